package amapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Outcome is how a stop ends the application.
type Outcome string

const (
	// OutcomeKilled (the empty value too): someone killed the application (exit 5 for others).
	OutcomeKilled Outcome = ""
	// OutcomeSucceeded and OutcomeFailed: the driver ran on the client, and this is its result.
	OutcomeSucceeded Outcome = "succeeded"
	OutcomeFailed    Outcome = "failed"
)

// ReadyInfo is what the head of a Ray-mode application reports once every node of each engine is
// alive according to the engine itself (Ray's GCS, Spark's Master). Addresses only: the auth token never travels here (the status page shows this).
type ReadyInfo struct {
	// GCSAddress is host:port of the head's GCS (RAY_ADDRESS inside the cluster).
	GCSAddress string `json:"gcs_address"`
	// ClientAddress is ray://host:port of the head's Ray Client server.
	ClientAddress string `json:"client_address,omitempty"`
	// DashboardURL is set when the dashboard was asked for.
	DashboardURL string `json:"dashboard_url,omitempty"`
	// SparkMaster is spark://host:port of the gang's Spark Master and SparkUI its web UI, when
	// Spark runs in the gang.
	SparkMaster string `json:"spark_master,omitempty"`
	SparkUI     string `json:"spark_ui_url,omitempty"`
	// SparkPython is the interpreter the gang's executors run (absolute: executors start in a
	// work directory of their own), for a driver's spark.pyspark.python.
	SparkPython string `json:"spark_python,omitempty"`
	// Nodes is how many nodes Ray reported alive, and Generation the gang generation they are.
	Nodes      int `json:"nodes"`
	Generation int `json:"generation"`
}

func (s *server) handleReady(w http.ResponseWriter, r *http.Request) {
	var info ReadyInfo
	if err := readJSONBody(w, r, &info); err != nil || (info.GCSAddress == "" && info.SparkMaster == "") || info.Nodes < 1 {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	s.backend.Ready(info)
	s.writeJSON(w, r, http.StatusOK, struct{}{})
}

// ReportReady tells the AM that the application's Ray cluster is up.
func (c *Client) ReportReady(ctx context.Context, info ReadyInfo) error {
	body, err := json.Marshal(info)
	if err == nil {
		_, err = c.do(ctx, http.MethodPost, "/v1/ready", body, nil)
	}
	if err != nil {
		return fmt.Errorf("amapi: POST /v1/ready: %w", err)
	}
	return nil
}
