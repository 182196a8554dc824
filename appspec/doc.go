// Package appspec is the contract between the submitter and the ApplicationMaster: what to run,
// how many containers of which size, the policies, and the LocalResources every container needs.
// The submitter writes it as JSON into the application's staging directory; YARN localizes it into
// the AM and every container as spec.json. It holds no secret: the per-application secret travels
// in the containers' credentials (SecretAlias), never in this file.
package appspec
