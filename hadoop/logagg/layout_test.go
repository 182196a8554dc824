package logagg

import (
	"fmt"
	"strings"
	"testing"
)

func dirsOf(cs []Candidate) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %s %s\n", c.Format, c.Controller, c.Dir)
	}
	return b.String()
}

func TestAppLogDirsDefaults(t *testing.T) {
	cs, err := AppLogDirs("", "root", "application_1795302001246_0002")
	if err != nil {
		t.Fatal(err)
	}
	// The first is where the real cluster (Hadoop 3.4) put this very app's logs.
	want := `TFile TFile /tmp/logs/root/bucket-logs-tfile/0002/application_1795302001246_0002
IFile IFile /tmp/logs/root/bucket-logs-ifile/0002/application_1795302001246_0002
TFile TFile /tmp/logs/root/logs-tfile/application_1795302001246_0002
IFile IFile /tmp/logs/root/logs-ifile/application_1795302001246_0002
TFile TFile /tmp/logs/root/logs/application_1795302001246_0002
`
	if got := dirsOf(cs); got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
}

func TestAppLogDirsBucket(t *testing.T) {
	for _, c := range []struct{ id, bucket string }{
		{"application_1_0001", "0001"},
		{"application_1_9999", "9999"},
		{"application_1_10000", "0000"},
		{"application_1_12345", "2345"},
		{"application_1_1234567", "4567"},
	} {
		cs, err := AppLogDirs("/l", "u", c.id)
		if err != nil {
			t.Fatal(err)
		}
		if want := "/l/u/bucket-logs-tfile/" + c.bucket + "/" + c.id; cs[0].Dir != want {
			t.Errorf("%s: %s, want %s", c.id, cs[0].Dir, want)
		}
	}
}

func TestAppLogDirsBad(t *testing.T) {
	for _, c := range []struct{ user, id string }{
		{"u", "application_1"},
		{"u", "app_1_0001"},
		{"u", "application_1_x1"},
		{"u", "application_1_99999999999"},
		{"u", "container_1_0001_01_000001"},
		{"", "application_1_0001"},
		{"a/b", "application_1_0001"},
	} {
		if _, err := AppLogDirs("/l", c.user, c.id); err == nil {
			t.Errorf("AppLogDirs(%q, %q) accepted", c.user, c.id)
		}
	}
}

func TestLayoutFromConf(t *testing.T) {
	conf := map[string]string{
		"yarn.nodemanager.remote-app-log-dir":                      "/app-logs",
		"yarn.nodemanager.remote-app-log-dir-suffix":               "agg",
		"yarn.log-aggregation.file-formats":                        " IndexedFormat , TFile",
		"yarn.log-aggregation.file-controller.IndexedFormat.class": "org.apache.hadoop.yarn.logaggregation.filecontroller.ifile.LogAggregationIndexedFileController",
		"yarn.log-aggregation.TFile.remote-app-log-dir-suffix":     "tf",
		"yarn.log-aggregation.IndexedFormat.remote-app-log-dir":    "/ifile-logs",
		"yarn.log-aggregation.file-controller.TFile.class":         "org.apache.hadoop.yarn.logaggregation.filecontroller.tfile.LogAggregationTFileController",
	}
	// Configured controllers replace the built-in TFile and IFile defaults of the same format;
	// the Hadoop 2 directory stays last.
	l := LayoutFromConf(func(k string) (string, bool) { v, ok := conf[k]; return v, ok })
	cs, err := l.AppLogDirs("bob", "application_1_0042")
	if err != nil {
		t.Fatal(err)
	}
	want := `IFile IndexedFormat /ifile-logs/bob/bucket-agg-indexedformat/0042/application_1_0042
TFile TFile /app-logs/bob/bucket-tf/0042/application_1_0042
IFile IndexedFormat /ifile-logs/bob/agg-indexedformat/application_1_0042
TFile TFile /app-logs/bob/tf/application_1_0042
TFile TFile /app-logs/bob/agg/application_1_0042
`
	if got := dirsOf(cs); got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
}
