package submitter

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// Result is an application's outcome as the CLI reports it; with --output json it is the last line
// of stdout, with the fields of design.md §3.
type Result struct {
	AppID       string `json:"app_id"`
	State       string `json:"state"`
	FinalStatus string `json:"final_status"`
	ExitCode    int    `json:"exit_code"`
	TrackingURL string `json:"tracking_url"`
	Diagnostics string `json:"diagnostics"`
	RayAddress  string `json:"ray_address,omitempty"`
	// Set by a detached Ray application once it is ready (the Python API reads them).
	RayClientAddress string `json:"ray_client_address,omitempty"`
	RayTokenFile     string `json:"ray_token_file,omitempty"`
	EnvPath          string `json:"env_path,omitempty"`
	EnvPython        string `json:"env_python,omitempty"`
	// Set when Spark runs in the gang: the Master, its web UI, the file with Spark's
	// authentication secret (0600; never printed) and the interpreter the executors run.
	SparkMaster     string `json:"spark_master,omitempty"`
	SparkUI         string `json:"spark_ui_url,omitempty"`
	SparkSecretFile string `json:"spark_secret_file,omitempty"`
	ContainerPython string `json:"container_python,omitempty"`
}

// ResultOf turns a report into a Result. For an application that has not ended ExitCode is -1.
func ResultOf(r *yarn.ApplicationReport) Result {
	code, msg, marked := appspec.ParseOutcome(r.Diagnostics)
	res := Result{
		AppID: r.ID.String(), State: string(r.State), FinalStatus: string(r.FinalStatus),
		TrackingURL: r.TrackingURL, Diagnostics: strings.TrimSpace(msg), ExitCode: -1,
	}
	switch {
	case !r.State.Terminal():
	case marked:
		res.ExitCode = code
	case r.State == yarn.AppKilled || r.FinalStatus == yarn.FinalKilled:
		res.ExitCode = 5
	case r.FinalStatus == yarn.FinalSucceeded:
		res.ExitCode = 0
	default:
		// The RM's own verdict (the AM crashed or could not start): the application failed.
		res.ExitCode = 1
	}
	return res
}

// ExitClass maps a terminal Result to the outcome class the CLI turns into the same exit code.
func (r Result) ExitClass() error {
	switch r.ExitCode {
	case 0, -1:
		return nil
	case 2:
		return classify(ErrBadInput, fmt.Errorf("%s: %s", r.AppID, r.Diagnostics))
	case 3:
		return classify(ErrCluster, fmt.Errorf("%s: %s", r.AppID, r.Diagnostics))
	case 4:
		return classify(ErrResources, fmt.Errorf("%s: %s", r.AppID, r.Diagnostics))
	case 5:
		return classify(ErrKilled, fmt.Errorf("%s was killed: %s", r.AppID, r.Diagnostics))
	}
	return classify(ErrAppFailed, fmt.Errorf("%s failed: %s", r.AppID, r.Diagnostics))
}

// PrintJSON writes r as one line.
func (r Result) PrintJSON(w io.Writer) error { return json.NewEncoder(w).Encode(r) }

// PrintReports writes application reports as a table (list) or JSON lines.
func PrintReports(w io.Writer, reports []*yarn.ApplicationReport, format string) error {
	if format == "json" {
		for _, r := range reports {
			if err := ResultOf(r).PrintJSON(w); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APPLICATION\tSTATE\tFINAL\tQUEUE\tSTARTED\tTAGS\tNAME")
	for _, r := range reports {
		started := "-"
		if !r.StartTime.IsZero() {
			started = r.StartTime.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.FinalStatus, r.Queue, started, strings.Join(r.Tags, ","), r.Name)
	}
	return tw.Flush()
}

// PrintStatus writes one application's status for humans.
func PrintStatus(w io.Writer, r *yarn.ApplicationReport) error {
	res := ResultOf(r)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	rows := [][2]string{
		{"application", res.AppID}, {"name", r.Name}, {"user", r.User}, {"queue", r.Queue},
		{"state", res.State}, {"final status", res.FinalStatus}, {"tracking url", res.TrackingURL},
		{"tags", strings.Join(r.Tags, ",")}, {"diagnostics", res.Diagnostics},
	}
	if res.ExitCode >= 0 {
		rows = append(rows, [2]string{"exit code", fmt.Sprint(res.ExitCode)})
	}
	for _, row := range rows {
		if row[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
		}
	}
	return tw.Flush()
}
