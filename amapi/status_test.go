package amapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleStatus() Status {
	exit := 3
	return Status{
		AppID: "application_1_0001<script>alert('app')</script>", State: "running", Generation: 2, WorldSize: 2,
		Started:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Diagnostics: `waiting for "rank 1" & <b>friends</b>`,
		Containers: []ContainerStatus{
			{Rank: 0, Role: "head", ContainerID: "container_1", Host: "node1<img src=x onerror=alert(1)>", State: "running"},
			{Rank: 1, Role: "worker", ContainerID: "container_2", Host: "node2", State: "exited", Restarts: 1, ExitStatus: &exit},
		},
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestStatusPageEscapes(t *testing.T) {
	env := newTestEnv(t, 1)
	env.backend.status = sampleStatus()
	resp, page := get(t, env.srv.URL+"/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Refresh") == "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	for _, raw := range []string{"<script>", "<img", "<b>friends"} {
		if strings.Contains(page, raw) {
			t.Errorf("page contains unescaped %q:\n%s", raw, page)
		}
	}
	for _, escaped := range []string{"&lt;script&gt;", "&lt;img src=x", "&amp; &lt;b&gt;friends", "2025-01-02T03:04:05Z", "<td>3</td>"} {
		if !strings.Contains(page, escaped) {
			t.Errorf("page lacks %q:\n%s", escaped, page)
		}
	}
}

// TestStatusPaths: the page and its JSON answer without auth on the AM's own paths and on
// what the RM web proxy or another front end may send.
func TestStatusPaths(t *testing.T) {
	env := newTestEnv(t, 1)
	env.backend.status = sampleStatus()
	for _, tc := range []struct {
		path string
		want int
		kind string
	}{
		{"/", 200, "text/html"},
		{"/v1/status", 200, "application/json"},
		{"/v1/status?user.name=alice", 200, "application/json"},
		{"/proxy/application_1700000000000_0001/", 200, "text/html"},
		{"/proxy/application_1700000000000_0001", 200, "text/html"},
		{"/proxy/application_1700000000000_0001/v1/status", 200, "application/json"},
		{"//v1//status/", 200, "application/json"},
		{"/v1/nothing", 404, "application/json"},
		{"/proxy/not-an-app/v1/status", 404, "application/json"},
	} {
		resp, body := get(t, env.srv.URL+tc.path)
		if resp.StatusCode != tc.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.kind) {
			t.Errorf("GET %s: %d %s, want %d %s: %.80s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.want, tc.kind, body)
		}
	}
	resp, err := http.Post(env.srv.URL+"/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /: %d", resp.StatusCode)
	}
	got, err := env.client.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := sampleStatus(); !reflect.DeepEqual(got, want) {
		t.Fatalf("status\n got %+v\nwant %+v", got, want)
	}
}

func TestStatusPathTable(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "/",
		"/":                                "/",
		"/v1/status":                       "/v1/status",
		"/v1/status/":                      "/v1/status",
		"/proxy/application_1_2":           "/",
		"/proxy/application_1_2/":          "/",
		"/proxy/application_1_2//":         "/",
		"/proxy/application_1_2/v1/status": "/v1/status",
		"/proxy/application_1_2x/":         "",
		"/v1/join":                         "",
		"/v1/statusx":                      "",
	} {
		if got := statusPath(in); got != want {
			t.Errorf("statusPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStopAndLease(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx := context.Background()
	if err := env.client.Stop(ctx, "user pressed ^C"); err != nil {
		t.Fatal(err)
	}
	if err := env.client.End(ctx, "the driver exited 1", OutcomeFailed); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := env.client.RenewLease(ctx); err != nil {
			t.Fatal(err)
		}
	}
	env.backend.mu.Lock()
	stops, leases := env.backend.stops, env.backend.leases
	env.backend.mu.Unlock()
	if !reflect.DeepEqual(stops, []string{"user pressed ^C ()", "the driver exited 1 (failed)"}) || leases != 2 {
		t.Fatalf("backend saw stops %q and %d leases", stops, leases)
	}
	if code, _ := rawRequest(t, env, "GET", "/v1/stop", mustAuth(t, testSecret, "GET", "/v1/stop", time.Now())); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /v1/stop: %d", code)
	}
	h := NewServer(testSecret, env.backend, testLogger(io.Discard))
	sh, err := env.client.NewLineShipper(ctx, ShipperOptions{Source: testSource})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close(ctx)
	for _, v := range []any{h, env.client, sh} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(verb, v); !strings.HasPrefix(s, "amapi.") || strings.Contains(s, "0x30") || strings.Contains(s, string(testSecret)) {
				t.Errorf("%s of %T prints %s", verb, v, s)
			}
		}
	}
}

// The Ray head's report reaches the status, which the client polls for; a report missing its
// address is refused.
func TestReadyReachesTheStatus(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx := context.Background()
	info := ReadyInfo{GCSAddress: "nm1:6380", ClientAddress: "ray://nm1:10001", Nodes: 3, Generation: 1}
	if err := env.client.ReportReady(ctx, info); err != nil {
		t.Fatal(err)
	}
	st, err := env.client.Status(ctx)
	if err != nil || st.Ray == nil || *st.Ray != info {
		t.Fatalf("status after ready: %+v, %v", st.Ray, err)
	}
	if err := env.client.ReportReady(ctx, ReadyInfo{Nodes: 3}); err == nil {
		t.Fatal("a ready report without a GCS address was accepted")
	}
}

// A launcher waits for credentials newer than its own and gets them once the AM has them.
func TestCredentialsLongPoll(t *testing.T) {
	env := newTestEnv(t, 1, WithLongPoll(5*time.Millisecond))
	got := make(chan Credentials, 1)
	go func() {
		c, err := env.client.WaitCredentials(context.Background(), 0)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	waitUntil(t, "two 202 answers", func() bool { return env.count("/v1/credentials 202") >= 2 })
	env.backend.setCreds(Credentials{Version: 1, HDTS: []byte("HDTS\x00")})
	if c := <-got; c.Version != 1 || string(c.HDTS) != "HDTS\x00" {
		t.Fatalf("credentials %+v", c)
	}
}
