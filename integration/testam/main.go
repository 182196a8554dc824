// Command testam is a minimal ApplicationMaster built from our own protocol clients, used by the
// RPC integration tests to prove them against a real RM and real NodeManagers:
//
//	ORCA_TESTAM_MODE=run  (default) register with the AMRMToken, allocate one container, start
//	                      ORCA_TESTAM_COMMAND (default "sleep 1") in it through its NodeManager
//	                      with the NMToken, wait for it to complete, unregister SUCCEEDED when it
//	                      exited 0 (FAILED with the reason otherwise).
//	ORCA_TESTAM_MODE=hold register, then heartbeat until killed.
//	ORCA_TESTAM_MODE=bench register, time ORCA_TESTAM_ALLOCATES (default 300) empty allocate round
//	                      trips back to back, unregister SUCCEEDED with "allocate-rtt-us p50=… p99=…".
//
// ORCA_TESTAM_QOP (e.g. "auth-conf") restricts the SASL protections the AM accepts, so a test can
// prove a QOP was negotiated rather than assume it.
//
// It reads only what YARN gives every AM container: CONTAINER_ID, HADOOP_TOKEN_FILE_LOCATION,
// the NodeManager's HADOOP_CONF_DIR and NM_HOST.
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"github.com/sirupsen/logrus"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	log := logrus.New()
	log.SetLevel(logrus.DebugLevel)
	if err := run(ctx, logrus.NewEntry(log)); err != nil {
		fmt.Fprintln(os.Stderr, "testam:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *logrus.Entry) error {
	amrm, qop, err := connect(log)
	if err != nil {
		return err
	}
	defer amrm.Close()
	if _, err := amrm.Register(ctx, os.Getenv("NM_HOST"), -1, ""); err != nil {
		return err
	}
	log.Info("registered")
	switch os.Getenv("ORCA_TESTAM_MODE") {
	case "hold":
		for {
			if _, err := amrm.Allocate(ctx, 0); err != nil {
				return err
			}
			time.Sleep(time.Second)
		}
	case "bench":
		summary, err := benchAllocate(ctx, amrm)
		if err != nil {
			return err
		}
		return amrm.Finish(ctx, yarn.FinalSucceeded, summary, "")
	}
	status, diag := yarn.FinalSucceeded, "the container exited 0"
	if err := runOneContainer(ctx, log, amrm, qop); err != nil {
		status, diag = yarn.FinalFailed, err.Error()
	}
	log.WithField("status", status).Info(diag)
	return amrm.Finish(ctx, status, diag, "")
}

func connect(log *logrus.Entry) (*yarn.AMRMClient, []ipc.QOP, error) {
	creds, err := security.ReadFile(os.Getenv("HADOOP_TOKEN_FILE_LOCATION"))
	if err != nil {
		return nil, nil, err
	}
	tokens := creds.TokensOfKind("YARN_AM_RM_TOKEN")
	if len(tokens) != 1 {
		return nil, nil, fmt.Errorf("want 1 YARN_AM_RM_TOKEN in the container credentials, have %d", len(tokens))
	}
	dirs, err := conf.DirsFromEnv(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := conf.Load(dirs)
	if err != nil {
		return nil, nil, err
	}
	endpoints, err := cfg.RMAddresses(conf.RMScheduler)
	if err != nil {
		return nil, nil, err
	}
	protection, err := cfg.RPCProtection()
	if err != nil {
		return nil, nil, err
	}
	var qop []ipc.QOP
	for _, p := range protection {
		qop = append(qop, ipc.QOP(p))
	}
	if only := os.Getenv("ORCA_TESTAM_QOP"); only != "" {
		qop = nil
		for _, p := range strings.Split(only, ",") {
			qop = append(qop, ipc.QOP(p))
		}
	}
	addrs := make([]string, 0, len(endpoints))
	for _, e := range endpoints {
		addrs = append(addrs, e.Addr)
	}
	conn, err := yarn.DialRM(yarn.RMOptions{
		Endpoints: addrs, Protocol: yarn.ApplicationMasterProtocol,
		Auth: ipc.TokenAuth(yarn.IPCToken(tokens[0].Proto())), QOP: qop, Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	return yarn.NewAMRMClient(conn, nil), qop, nil
}

func runOneContainer(ctx context.Context, log *logrus.Entry, amrm *yarn.AMRMClient, qop []ipc.QOP) error {
	amrm.SetAsk(yarn.Ask{Key: yarn.AskKey{Priority: 1}, Capability: yarn.Resource{MemoryMB: 128, VCores: 1}, Count: 1})
	var ctr yarn.Container
	for ctr.Token == nil {
		a, err := amrm.Allocate(ctx, 0.1)
		if err != nil {
			return err
		}
		if len(a.Allocated) > 0 {
			ctr = a.Allocated[0]
			amrm.Release(surplus(a.Allocated[1:])...)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	log.WithField("container", ctr.ID).WithField("node", ctr.Node).Info("allocated")
	token, ok := amrm.NMToken(ctr.Node)
	if !ok {
		return fmt.Errorf("the RM sent no NMToken for %s", ctr.Node)
	}
	conn, err := yarn.DialNM(yarn.NMOptions{Node: ctr.Node, Token: token, QOP: qop, Logger: log})
	if err != nil {
		return err
	}
	nm := yarn.NewNMClient(conn, ctr.Node)
	defer nm.Close()
	command := os.Getenv("ORCA_TESTAM_COMMAND")
	if command == "" {
		command = "sleep 1"
	}
	launch := &yarnpb.ContainerLaunchContextProto{Command: []string{command, "1><LOG_DIR>/stdout", "2><LOG_DIR>/stderr"}}
	if err := nm.Start(ctx, ctr, launch); err != nil {
		return err
	}
	log.Info("started")
	for {
		a, err := amrm.Allocate(ctx, 0.5)
		if err != nil {
			return err
		}
		for _, st := range a.Completed {
			if st.ID != ctr.ID {
				continue
			}
			if st.ExitStatus != 0 {
				return fmt.Errorf("container %s: %s: %s", st.ID, yarn.ExitCause(st.ExitStatus), st.Diagnostics)
			}
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// benchAllocate measures the allocate round trip the AM's heartbeat pays: request out, RM
// scheduler work, response decoded, over one SASL connection.
func benchAllocate(ctx context.Context, amrm *yarn.AMRMClient) (string, error) {
	n := 300
	if v := os.Getenv("ORCA_TESTAM_ALLOCATES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return "", fmt.Errorf("ORCA_TESTAM_ALLOCATES=%q: want a positive number", v)
		}
	}
	rtts := make([]time.Duration, n)
	for i := range rtts {
		start := time.Now()
		if _, err := amrm.Allocate(ctx, 0); err != nil {
			return "", err
		}
		rtts[i] = time.Since(start)
	}
	slices.Sort(rtts)
	pct := func(p float64) int64 { return rtts[int(p*float64(n-1))].Microseconds() }
	return fmt.Sprintf("allocate-rtt-us p50=%d p99=%d max=%d n=%d", pct(0.50), pct(0.99), rtts[n-1].Microseconds(), n), nil
}

func surplus(cs []yarn.Container) []yarn.ContainerID {
	ids := make([]yarn.ContainerID, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}
