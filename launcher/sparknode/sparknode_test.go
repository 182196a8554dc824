package sparknode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/barrier"
)

func TestAttrsRoundTripAndMasterURL(t *testing.T) {
	head := Ports{Master: 24001, MasterUI: 24002, WorkerUI: 24003}
	plan := barrier.Plan{Members: []barrier.Member{
		{Rank: 0, Attrs: Attrs("10.0.0.1", head)},
		{Rank: 1, Attrs: Attrs("10.0.0.2", Ports{WorkerUI: 25000})},
	}}
	ip, got, err := ParseAttrs(plan.Members[0].Attrs, true)
	if err != nil || ip != "10.0.0.1" || got != head {
		t.Fatalf("head: %s %+v %v", ip, got, err)
	}
	if _, _, err := ParseAttrs(plan.Members[1].Attrs, true); !errors.Is(err, ErrBadAttrs) {
		t.Fatalf("a worker's attrs read as a head's: %v", err)
	}
	if _, w, err := ParseAttrs(plan.Members[1].Attrs, false); err != nil || w.WorkerUI != 25000 || w.Master != 0 {
		t.Fatalf("worker: %+v %v", w, err)
	}
	if u, err := MasterURL(plan); err != nil || u != "spark://10.0.0.1:24001" {
		t.Fatalf("master URL %q %v", u, err)
	}
	if u, err := MasterUI(plan); err != nil || u != "http://10.0.0.1:24002" {
		t.Fatalf("master UI %q %v", u, err)
	}
	bad := map[string]string{AttrNodeIP: "x", AttrWorkerUIPort: "99999"}
	if _, _, err := ParseAttrs(bad, false); !errors.Is(err, ErrBadAttrs) {
		t.Fatalf("port 99999 accepted: %v", err)
	}
}

func TestPlanPortsGivesTheHeadThreeDistinctPorts(t *testing.T) {
	p, err := PlanPorts(true, "application_1_0001/0")
	if err != nil {
		t.Fatal(err)
	}
	if p.Master == 0 || p.MasterUI == 0 || p.WorkerUI == 0 || p.Master == p.MasterUI || p.Master == p.WorkerUI || p.MasterUI == p.WorkerUI {
		t.Fatalf("head ports %+v", p)
	}
	w, err := PlanPorts(false, "application_1_0001/1")
	if err != nil || w.Master != 0 || w.WorkerUI == 0 {
		t.Fatalf("worker ports %+v %v", w, err)
	}
}

func testNode(t *testing.T, head bool) Node {
	return Node{Head: head, Home: "/env/lib/python3.11/site-packages/pyspark", NodeIP: "10.0.0.1",
		MasterURL: "spark://10.0.0.1:24001", Ports: Ports{Master: 24001, MasterUI: 24002, WorkerUI: 24003},
		Cores: 4, ExecutorMiB: 2048, Dir: t.TempDir(), Python: "/tmp/oy-x/bin/python3"}
}

func TestCommandsRunMasterThenWorkerWithTheSecretOnlyInTheFile(t *testing.T) {
	n := testNode(t, true)
	const secret = "s3cr3t-value"
	if err := n.MakeDirs(); err != nil {
		t.Fatal(err)
	}
	if err := n.WriteProperties(secret); err != nil {
		t.Fatal(err)
	}
	cmds, err := n.Commands()
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || cmds[0].Name != "master" || cmds[1].Name != "worker" {
		t.Fatalf("want master then worker, got %+v", cmds)
	}
	worker := strings.Join(cmds[1].Argv, " ")
	for _, want := range []string{"org.apache.spark.deploy.worker.Worker", "--cores 4", "--memory 2048m",
		"--webui-port 24003", "--properties-file " + n.PropertiesFile(), "spark://10.0.0.1:24001"} {
		if !strings.Contains(worker, want) {
			t.Errorf("worker argv %q lacks %q", worker, want)
		}
	}
	for _, c := range cmds {
		if strings.Contains(strings.Join(append(c.Argv, c.Env...), " "), secret) {
			t.Fatalf("the secret is in %s's argv or env", c.Name)
		}
		if !strings.Contains(strings.Join(c.Env, " "), "SPARK_CONF_DIR="+filepath.Join(n.Dir, "conf")) {
			t.Errorf("%s does not read its conf from the private directory: %v", c.Name, c.Env)
		}
	}
	st, err := os.Stat(n.PropertiesFile())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("properties file: %v, mode %v", err, st.Mode())
	}
	b, _ := os.ReadFile(n.PropertiesFile())
	for _, want := range []string{"spark.authenticate=true", "spark.authenticate.secret=" + secret, "spark.master.rest.enabled=false"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("properties lack %q:\n%s", want, b)
		}
	}
	n.Head = false
	if cmds, err := n.Commands(); err != nil || len(cmds) != 1 || cmds[0].Name != "worker" {
		t.Fatalf("a worker container runs the worker alone: %+v %v", cmds, err)
	}
}

func TestCommandsRefuseIncompleteNodes(t *testing.T) {
	for name, mutate := range map[string]func(*Node){
		"no home": func(n *Node) { n.Home = "" }, "no cores": func(n *Node) { n.Cores = 0 },
		"head without master port": func(n *Node) { n.Ports.Master = 0 },
	} {
		n := testNode(t, true)
		mutate(&n)
		if _, err := n.Commands(); !errors.Is(err, ErrBadNode) {
			t.Errorf("%s: got %v, want ErrBadNode", name, err)
		}
	}
}

func TestReserveHoldsExecutorOverheadAndDaemons(t *testing.T) {
	if got, want := ReserveMiB(1024, false), int64(1024+512+DaemonRSSMiB); got != want {
		t.Errorf("worker reserve for 1g: %d, want %d", got, want)
	}
	if got, want := ReserveMiB(10240, true), int64(10240+2048+2*DaemonRSSMiB); got != want {
		t.Errorf("head reserve for 10g: %d, want %d (overhead 20%% above 512m)", got, want)
	}
}

func TestFindHomeAndJava(t *testing.T) {
	env := t.TempDir()
	if _, err := FindHome(env); !errors.Is(err, ErrNoSpark) {
		t.Fatalf("an env without pyspark: %v", err)
	}
	bin := filepath.Join(env, "lib", "python3.11", "site-packages", "pyspark", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "spark-class"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if home, err := FindHome(env); err != nil || home != filepath.Dir(bin) {
		t.Fatalf("home %q %v", home, err)
	}
	if err := CheckJava(func(string) string { return env }); !errors.Is(err, ErrNoSpark) {
		t.Fatalf("a JAVA_HOME without bin/java: %v", err)
	}
}

func TestWaitWorkersCountsOnlyAliveWorkers(t *testing.T) {
	var alive atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/json/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"status":"ALIVE","workers":[{"host":"a","state":"DEAD"}`)
		for i := range int(alive.Load()) {
			fmt.Fprintf(w, `,{"host":"w%d","state":"ALIVE"}`, i)
		}
		fmt.Fprint(w, `]}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	alive.Store(1)
	if err := WaitWorkers(ctx, srv.URL, 2, nil); err == nil {
		t.Fatal("ready with one alive worker of two (a dead one listed)")
	}
	alive.Store(2)
	if err := WaitWorkers(context.Background(), srv.URL, 2, nil); err != nil {
		t.Fatalf("two alive: %v", err)
	}
	done := make(chan error, 1)
	done <- errors.New("master exited")
	alive.Store(0)
	if err := WaitWorkers(context.Background(), srv.URL, 2, done); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("a daemon's exit must end the wait: %v", err)
	}
}
