package conf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func endpoints(eps []RMEndpoint) string {
	var s []string
	for _, e := range eps {
		s = append(s, fmt.Sprintf("%s=%s(%s)", e.ID, e.Addr, e.Key))
	}
	return strings.Join(s, " ")
}

func TestRMAddresses(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		service RMService
		want    string
	}{
		// Plain: hostname + default ports, explicit addresses, a bare host gets the default port.
		{"good/plain", RMClient, "=master.hadoop.test:8032(yarn.resourcemanager.address)"},
		{"good/plain", RMScheduler, "=master.hadoop.test:18030(yarn.resourcemanager.scheduler.address)"},
		{"good/plain", RMAdmin, "=admin.hadoop.test:8033(yarn.resourcemanager.admin.address)"},
		{"good/plain", RMWebapp, "=master.hadoop.test:8088(yarn.resourcemanager.webapp.address)"},
		// Nothing configured: the Java client's 0.0.0.0.
		{"good/hdfs-ha", RMClient, "=0.0.0.0:8032(yarn.resourcemanager.address)"},
		// HA: rm1 explicit, rm2 from yarn.resourcemanager.hostname.rm2 + default port;
		// HTTPS_ONLY (any case) selects the https webapp keys.
		{"good/rm-ha", RMClient, "rm1=rm1.hadoop.test:18032(yarn.resourcemanager.address.rm1) " +
			"rm2=rm2.hadoop.test:8032(yarn.resourcemanager.hostname.rm2)"},
		{"good/rm-ha", RMScheduler, "rm1=rm1.hadoop.test:18030(yarn.resourcemanager.scheduler.address.rm1) " +
			"rm2=rm2.hadoop.test:8030(yarn.resourcemanager.hostname.rm2)"},
		{"good/rm-ha", RMAdmin, "rm1=rm1.hadoop.test:8033(yarn.resourcemanager.hostname.rm1) " +
			"rm2=rm2.hadoop.test:8033(yarn.resourcemanager.hostname.rm2)"},
		{"good/rm-ha", RMWebapp, "rm1=rm1.hadoop.test:18090(yarn.resourcemanager.webapp.https.address.rm1) " +
			"rm2=rm2.hadoop.test:8090(yarn.resourcemanager.hostname.rm2)"},
		{"good/kerberos", RMClient, "=RM.Hadoop.Test:8032(yarn.resourcemanager.address)"},
	} {
		t.Run(tc.dir+"/"+tc.service.String(), func(t *testing.T) {
			eps, err := mustLoad(t, tc.dir, "").RMAddresses(tc.service)
			if err != nil {
				t.Fatal(err)
			}
			if got := endpoints(eps); got != tc.want {
				t.Errorf("RMAddresses(%v)\n got %s\nwant %s", tc.service, got, tc.want)
			}
		})
	}
}

func TestRMWebScheme(t *testing.T) {
	for dir, want := range map[string]string{"good/plain": "http", "good/rm-ha": "https"} {
		if got, err := mustLoad(t, dir, "").RMWebScheme(); err != nil || got != want {
			t.Errorf("%s: RMWebScheme() = %q, %v; want %q", dir, got, err, want)
		}
	}
}

func TestRMAddressesBad(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		service RMService
		msg     string
	}{
		{"bad/ha-no-rm-ids", RMClient, "yarn.resourcemanager.ha.rm-ids is empty"},
		{"bad/ha-rm2-unaddressed", RMScheduler, `rm-id "rm2" has no address: set yarn.resourcemanager.hostname.rm2 or yarn.resourcemanager.scheduler.address.rm2`},
		{"bad/ha-hostname-with-port", RMClient, `yarn.resourcemanager.hostname.rm1="rm1.hadoop.test:8032"`},
		{"bad/bad-values", RMClient, `yarn.resourcemanager.ha.enabled="ture"`},
		{"bad/bad-values", RMWebapp, `yarn.http.policy="HTTPS_PLEASE" (from testdata/bad/bad-values/yarn-site.xml): want HTTP_ONLY, HTTPS_ONLY or HTTP_AND_HTTPS`},
		{"bad/bad-rm-address", RMClient, `yarn.resourcemanager.address="rm.hadoop.test:80x32"`},
		{"bad/bad-rm-address", RMScheduler, `yarn.resourcemanager.scheduler.address="rm.hadoop.test:8030/path"`},
	} {
		t.Run(tc.dir+"/"+tc.service.String(), func(t *testing.T) {
			_, err := mustLoad(t, tc.dir, "").RMAddresses(tc.service)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(fmt.Sprint(err), tc.msg) {
				t.Errorf("err = %v\nwant ErrInvalid containing %q", err, tc.msg)
			}
		})
	}
	// Duplicate rm-ids are reported before anything else about them.
	c := mustLoad(t, "bad/ha-hostname-with-port", "")
	c.vals["yarn.resourcemanager.hostname.rm1"] = entry{value: "rm1.hadoop.test"}
	if _, err := c.RMAddresses(RMClient); err == nil || !strings.Contains(err.Error(), `rm-id "rm1" listed twice`) {
		t.Errorf("duplicate rm-id: err = %v", err)
	}
}

func TestHostPort(t *testing.T) {
	c := fromMap(t, nil)
	for _, tc := range []struct {
		in      string
		def     int
		want    string
		wantErr bool
	}{
		{"h", 8032, "h:8032", false},
		{" h:1 ", 8032, "h:1", false},
		{"h:1", -1, "h:1", false},
		{"h", -1, "", true},
		{"[::1]:9", 1, "[::1]:9", false},
		{"[::1]", 1, "[::1]:1", false},
		{"hdfs://h:5/path", 1, "h:5", false},
		{"h:5/path", 1, "", true},
		{":8032", 1, "", true},
		{"h:99999", 1, "", true},
		{"h:-1", 1, "", true},
		{"user@h:1", 1, "", true},
		{"", 1, "", true},
	} {
		got, err := c.hostPort("k", tc.in, tc.def)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("hostPort(%q, %d) = %q, %v; want %q, err=%v", tc.in, tc.def, got, err, tc.want, tc.wantErr)
		}
	}
}
