package amapi

import (
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Status is what the AM shows at its tracking URL (GET /v1/status as JSON, GET / as HTML).
// It is served without authentication (the RM web proxy forwards no credentials), so it must
// hold nothing secret: no tokens, no environment, no command lines.
type Status struct {
	AppID      string            `json:"app_id"`
	State      string            `json:"state"` // the AM's own state, e.g. allocating, running, finishing
	Generation int               `json:"generation"`
	WorldSize  int               `json:"world_size"`
	Started    time.Time         `json:"started"`
	Containers []ContainerStatus `json:"containers"`
	// Diagnostics is a human sentence about the current state (why it is waiting, why it failed).
	Diagnostics string `json:"diagnostics,omitempty"`
	// Ray is set once a Ray application's head reported every node alive (this generation).
	Ray *ReadyInfo `json:"ray,omitempty"`
	// Timeline is when this AM attempt first reached each phase (registered at "starting";
	// "allocating", "joining", "running" for the gang; "ray_ready").
	Timeline map[string]time.Time `json:"timeline,omitempty"`
}

// ContainerStatus is one slot of the gang.
type ContainerStatus struct {
	Rank        int    `json:"rank"`
	Role        string `json:"role"`
	ContainerID string `json:"container_id"`
	Host        string `json:"host"`
	State       string `json:"state"` // e.g. requested, launching, joined, running, exited
	Restarts    int    `json:"restarts"`
	// ExitStatus is the container's exit status once it exited; nil while it runs.
	ExitStatus *int `json:"exit_status,omitempty"`
}

// statusRefreshSeconds is how often the HTML page reloads itself.
const statusRefreshSeconds = "5"

// statusPage renders Status. html/template escapes every field by context; links are relative
// so the page works both directly and under the RM proxy's /proxy/<app id>/ prefix.
var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"exit": func(p *int) any {
		if p == nil {
			return ""
		}
		return *p
	},
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
}).Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>orca-yarn {{.AppID}}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}</style>
</head><body>
<h1>orca-yarn {{.AppID}}</h1>
<p>State: <b>{{.State}}</b> · generation {{.Generation}} · world size {{.WorldSize}} · started {{ts .Started}}</p>
{{with .Diagnostics}}<p>{{.}}</p>{{end}}
{{with .Ray}}<p>{{.Nodes}} nodes ready{{with .GCSAddress}} · Ray GCS {{.}}{{end}}{{with .ClientAddress}} · Ray client {{.}}{{end}}{{with .SparkMaster}} · Spark master {{.}}{{end}}{{with .SparkUI}} · <a href="{{.}}">Spark UI</a>{{end}}</p>{{end}}
<table><tr><th>rank</th><th>role</th><th>container</th><th>host</th><th>state</th><th>restarts</th><th>exit</th></tr>
{{range .Containers}}<tr><td>{{.Rank}}</td><td>{{.Role}}</td><td>{{.ContainerID}}</td><td>{{.Host}}</td><td>{{.State}}</td><td>{{.Restarts}}</td><td>{{exit .ExitStatus}}</td></tr>
{{end}}</table>
<p><a href="v1/status">JSON</a></p>
</body></html>
`))

// proxyPrefix matches the RM web proxy's path prefix. The proxy itself strips it (it requests
// the tracking URL's path plus what follows /proxy/<app id>/), but other front ends (a second
// proxy, a gateway, a browser given the AM address with the proxy path) pass it on; stripping
// it here makes the status page answer the same on every path.
var proxyPrefix = regexp.MustCompile(`^/proxy/application_[0-9]+_[0-9]+(/|$)`)

// statusPath maps a request path to the status resource it names: "/" (HTML), "/v1/status"
// (JSON) or "" for anything else.
func statusPath(p string) string {
	if loc := proxyPrefix.FindStringIndex(p); loc != nil {
		p = "/" + p[loc[1]:]
	}
	// The proxy joins the tracking URL's path and the rest with its own rules; tolerate the
	// doubled or missing slashes that result.
	p = "/" + strings.Trim(p, "/")
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	switch p {
	case "/":
		return "/"
	case "/v1/status":
		return "/v1/status"
	}
	return ""
}

func (s *server) serveStatus(w http.ResponseWriter, r *http.Request, which string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed)
		return
	}
	st := s.backend.Status()
	w.Header().Set("Cache-Control", "no-store")
	if which == "/v1/status" {
		s.writeJSON(w, r, http.StatusOK, st)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Refresh", statusRefreshSeconds)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if r.Method == http.MethodHead {
		return
	}
	if err := statusPage.Execute(w, st); err != nil {
		s.log.WithError(err).Debug("status page not written")
	}
}
