package raynode

import (
	"errors"
	"maps"
	"net"
	"slices"
	"strconv"
	"testing"

	"github.com/orca-yarn/orca-yarn/barrier"
)

func checkPlan(t *testing.T, p Ports, o PortOptions) {
	t.Helper()
	all := p.All()
	wantN := 6 + o.WorkerPorts
	if o.Head {
		wantN += 5
	}
	if len(all) != wantN {
		t.Fatalf("plan %+v has %d ports, want %d", p, len(all), wantN)
	}
	seen := map[int]bool{}
	for _, v := range all {
		if v < o.Low || v > o.High {
			t.Errorf("port %d outside %d-%d", v, o.Low, o.High)
		}
		if seen[v] {
			t.Errorf("port %d planned twice in %+v", v, p)
		}
		seen[v] = true
	}
	if p.MaxWorker-p.MinWorker+1 != o.WorkerPorts {
		t.Errorf("worker block %d-%d, want %d ports", p.MinWorker, p.MaxWorker, o.WorkerPorts)
	}
}

func TestPlanPortsHeadAndWorker(t *testing.T) {
	for _, head := range []bool{true, false} {
		o := PortOptions{Head: head, Seed: "application_1_0001/0", Low: DefaultPortLow, High: DefaultPortHigh, WorkerPorts: DefaultWorkerPorts}
		p, err := PlanPorts(PortOptions{Head: head, Seed: o.Seed})
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, p, o)
		if !head && (p.GCS != 0 || p.ClientServer != 0 || p.Dashboard != 0) {
			t.Errorf("worker plan has head ports: %+v", p)
		}
	}
}

// holdAll listens on every port of p, as a running Ray node would.
func holdAll(t *testing.T, p Ports) {
	t.Helper()
	for _, v := range p.All() {
		l, err := net.Listen("tcp", ":"+strconv.Itoa(v))
		if err != nil {
			t.Fatalf("port %d of the plan is not free: %v", v, err)
		}
		t.Cleanup(func() { l.Close() })
	}
}

func TestPlanPortsSkipsBusyPorts(t *testing.T) {
	// A range for two head plans (31 ports each) and not three. The second plan, with the same seed, starts
	// where the first did and must step around every port the first node holds.
	o := PortOptions{Head: true, Seed: "app/0", Low: 31400, High: 31469, WorkerPorts: 20}
	first, err := PlanPorts(o)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, first, o)
	holdAll(t, first)
	second, err := PlanPorts(o)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, second, o)
	for _, v := range second.All() {
		if slices.Contains(first.All(), v) {
			t.Fatalf("port %d planned for both nodes", v)
		}
	}
	holdAll(t, second)
	if _, err := PlanPorts(o); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("third plan in a full range: %v, want ErrNoPorts", err)
	}
}

func TestPlanPortsSeedSpreadsStarts(t *testing.T) {
	starts := map[int]string{}
	for _, seed := range []string{"application_1_0001/0", "application_1_0001/1", "application_1_0002/0", "application_1_0002/1"} {
		p, err := PlanPorts(PortOptions{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := starts[p.MinWorker]; dup {
			t.Errorf("seeds %q and %q start at the same worker block %d", seed, other, p.MinWorker)
		}
		starts[p.MinWorker] = seed
	}
}

func TestPlanPortsBadRange(t *testing.T) {
	for _, o := range []PortOptions{
		{Low: 80, High: 30000},
		{Low: 30000, High: 29000},
		{Low: 30000, High: 30010, WorkerPorts: 10},
		{Low: 30000, High: 70000},
	} {
		if _, err := PlanPorts(o); !errors.Is(err, ErrNoPorts) {
			t.Errorf("%+v: %v, want ErrNoPorts", o, err)
		}
	}
}

func TestAttrsRoundTrip(t *testing.T) {
	p, err := PlanPorts(PortOptions{Head: true, Seed: "x/0"})
	if err != nil {
		t.Fatal(err)
	}
	attrs := Attrs("10.1.2.3", p)
	ip, back, err := ParseAttrs(attrs)
	if err != nil || ip != "10.1.2.3" || back != p {
		t.Fatalf("ParseAttrs(Attrs(p)) = %q %+v %v, want %+v", ip, back, err, p)
	}
	plan := barrier.Plan{Members: []barrier.Member{{Rank: 0, Host: "nm1", Attrs: attrs}, {Rank: 1, Host: "nm2"}}}
	if gcs, err := HeadGCSAddress(plan); err != nil || gcs != "10.1.2.3:"+strconv.Itoa(p.GCS) {
		t.Errorf("HeadGCSAddress = %q, %v", gcs, err)
	}
	if cl, err := HeadClientAddress(plan); err != nil || cl != "ray://10.1.2.3:"+strconv.Itoa(p.ClientServer) {
		t.Errorf("HeadClientAddress = %q, %v", cl, err)
	}
	v6 := Attrs("fd00::1", p)
	plan.Members[0].Attrs = v6
	if gcs, err := HeadGCSAddress(plan); err != nil || gcs != "[fd00::1]:"+strconv.Itoa(p.GCS) {
		t.Errorf("IPv6 HeadGCSAddress = %q, %v", gcs, err)
	}
}

func TestParseAttrsRejects(t *testing.T) {
	good := map[string]string{AttrNodeIP: "10.0.0.1", AttrGCSPort: "24001", AttrWorkerPorts: "25000-25199"}
	for name, change := range map[string]map[string]string{
		"no ip":          {AttrNodeIP: ""},
		"hostname":       {AttrNodeIP: "nm1.example"},
		"port text":      {AttrGCSPort: "6379x"},
		"port zero":      {AttrGCSPort: "0"},
		"port too big":   {AttrGCSPort: "65536"},
		"workers no-":    {AttrWorkerPorts: "25000"},
		"workers upside": {AttrWorkerPorts: "25199-25000"},
		"workers bad":    {AttrWorkerPorts: "a-b"},
	} {
		attrs := maps.Clone(good)
		maps.Copy(attrs, change)
		if _, _, err := ParseAttrs(attrs); !errors.Is(err, ErrBadAttrs) {
			t.Errorf("%s: %v, want ErrBadAttrs", name, err)
		}
	}
	worker := barrier.Plan{Members: []barrier.Member{{Rank: 0, Attrs: map[string]string{AttrNodeIP: "10.0.0.1"}}}}
	if _, err := HeadGCSAddress(worker); !errors.Is(err, ErrBadAttrs) {
		t.Errorf("head without a GCS port: %v", err)
	}
	if _, err := HeadClientAddress(barrier.Plan{}); !errors.Is(err, ErrBadAttrs) {
		t.Errorf("empty plan: %v", err)
	}
}

func FuzzParseAttrs(f *testing.F) {
	f.Add("10.0.0.1", "24001", "25000-25199")
	f.Add("::1", "1", "1-65535")
	f.Add("", "-1", "--")
	f.Fuzz(func(t *testing.T, ip, gcs, workers string) {
		ip2, p, err := ParseAttrs(map[string]string{AttrNodeIP: ip, AttrGCSPort: gcs, AttrWorkerPorts: workers})
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip and name valid ports only.
		ip3, p2, err := ParseAttrs(Attrs(ip2, p))
		if err != nil || ip3 != ip2 || p2 != p {
			t.Fatalf("round trip of %q %+v: %q %+v %v", ip2, p, ip3, p2, err)
		}
		for _, v := range []int{p.GCS, p.MinWorker, p.MaxWorker} {
			if v < 1 || v > 65535 || p.MinWorker > p.MaxWorker {
				t.Fatalf("accepted ports %+v", p)
			}
		}
	})
}
