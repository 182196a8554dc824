package logagg

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Format is the file format a log aggregation file controller writes.
type Format string

const (
	// TFile is LogAggregationTFileController's format, the default: read by this package.
	TFile Format = "TFile"
	// IFile is LogAggregationIndexedFileController's format: detected, not read.
	IFile Format = "IFile"
)

// Defaults of yarn-default.xml.
const (
	DefaultRemoteDir = "/tmp/logs" // yarn.nodemanager.remote-app-log-dir
	DefaultSuffix    = "logs"      // yarn.nodemanager.remote-app-log-dir-suffix
)

// Controller is one log aggregation file controller as the cluster configures it.
type Controller struct {
	// Name as listed in yarn.log-aggregation.file-formats, e.g. "TFile" or "IFile".
	Name   string
	Format Format
	// RemoteDir is yarn.log-aggregation.<Name>.remote-app-log-dir, else the NodeManager's.
	RemoteDir string
	// Suffix is yarn.log-aggregation.<Name>.remote-app-log-dir-suffix, else the NodeManager's
	// suffix + "-" + lower(Name): "logs-tfile".
	Suffix string
}

// Layout says where a cluster's NodeManagers put aggregated logs. The zero Layout is Hadoop's
// defaults.
type Layout struct {
	RemoteDir   string // yarn.nodemanager.remote-app-log-dir
	Suffix      string // yarn.nodemanager.remote-app-log-dir-suffix
	Controllers []Controller
}

// Candidate is a directory where one application's node files may be.
type Candidate struct {
	Dir        string
	Format     Format
	Controller string
}

// LayoutFromConf reads the layout from the cluster's configuration; get is
// (*conf.Config).Get. Whatever controllers the configuration names, TFile and IFile are looked
// for too: the NodeManagers' configuration may differ from the client's, and finding IFile
// logs lets the caller say they are unsupported instead of missing.
func LayoutFromConf(get func(key string) (string, bool)) Layout {
	val := func(key string) string {
		v, _ := get(key)
		return strings.TrimSpace(v)
	}
	l := Layout{RemoteDir: val("yarn.nodemanager.remote-app-log-dir"), Suffix: val("yarn.nodemanager.remote-app-log-dir-suffix")}
	for _, name := range strings.Split(val("yarn.log-aggregation.file-formats"), ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		c := Controller{
			Name:      name,
			Format:    formatOf(name, val("yarn.log-aggregation.file-controller."+name+".class")),
			RemoteDir: val("yarn.log-aggregation." + name + ".remote-app-log-dir"),
			Suffix:    val("yarn.log-aggregation." + name + ".remote-app-log-dir-suffix"),
		}
		l.Controllers = append(l.Controllers, c)
	}
	return l
}

func formatOf(name, class string) Format {
	switch {
	case strings.Contains(class, "IndexedFileController"):
		return IFile
	case strings.Contains(class, "TFileController"):
		return TFile
	case strings.EqualFold(name, "IFile"), strings.EqualFold(name, "IndexedFormat"):
		return IFile
	}
	return TFile
}

// withDefaults fills what the configuration left out with Hadoop's defaults.
func (l Layout) withDefaults() Layout {
	if l.RemoteDir == "" {
		l.RemoteDir = DefaultRemoteDir
	}
	if l.Suffix == "" {
		l.Suffix = DefaultSuffix
	}
	cs := make([]Controller, 0, len(l.Controllers)+2)
	seen := map[Format]bool{}
	for _, c := range append(append([]Controller(nil), l.Controllers...), Controller{Name: "TFile", Format: TFile}, Controller{Name: "IFile", Format: IFile}) {
		if seen[c.Format] && c.RemoteDir == "" && c.Suffix == "" {
			continue // a built-in default the configuration already covers
		}
		seen[c.Format] = true
		if c.RemoteDir == "" {
			c.RemoteDir = l.RemoteDir
		}
		if c.Suffix == "" {
			c.Suffix = l.Suffix + "-" + strings.ToLower(c.Name)
		}
		cs = append(cs, c)
	}
	l.Controllers = cs
	return l
}

// AppLogDirs lists the directories where the application's node files may be, under the
// default suffix and controllers. See Layout.AppLogDirs.
func AppLogDirs(remoteDir, user, appID string) ([]Candidate, error) {
	return Layout{RemoteDir: remoteDir}.AppLogDirs(user, appID)
}

// AppLogDirs lists the directories where the application's node files may be, most likely
// first. For each controller (LogAggregationUtils):
//
//	<remote>/<user>/bucket-<suffix>/<id % 10000, %04d>/<appID>   Hadoop 3.3+ (YARN-6929)
//	<remote>/<user>/<suffix>/<appID>                             Hadoop 3.1-3.2, and 3.3's "older" path
//
// and last the Hadoop 2 layout, <remote>/<user>/<nodemanager suffix>/<appID> (TFile).
func (l Layout) AppLogDirs(user, appID string) ([]Candidate, error) {
	seq, err := appSequence(appID)
	if err != nil {
		return nil, err
	}
	if user == "" || strings.Contains(user, "/") {
		return nil, fmt.Errorf("aggregated log dirs of %s: bad user name %q", appID, user)
	}
	l = l.withDefaults()
	bucket := fmt.Sprintf("%04d", seq%10000)
	var out []Candidate
	seen := map[string]bool{}
	add := func(c Controller, dir string) {
		if !seen[dir] {
			seen[dir] = true
			out = append(out, Candidate{Dir: dir, Format: c.Format, Controller: c.Name})
		}
	}
	for _, c := range l.Controllers {
		add(c, path.Join(c.RemoteDir, user, "bucket-"+c.Suffix, bucket, appID))
	}
	for _, c := range l.Controllers {
		add(c, path.Join(c.RemoteDir, user, c.Suffix, appID))
	}
	add(Controller{Name: "TFile", Format: TFile}, path.Join(l.RemoteDir, user, l.Suffix, appID))
	return out, nil
}

// appSequence returns the id's sequence number (ApplicationId.getId()) from its string form,
// application_<cluster timestamp>_<sequence, at least 4 digits>.
func appSequence(appID string) (int64, error) {
	parts := strings.Split(appID, "_")
	if len(parts) != 3 || parts[0] != "application" || !isDigits(parts[1]) || !isDigits(parts[2]) {
		return 0, fmt.Errorf("%q is not an application id (application_<timestamp>_<sequence>)", appID)
	}
	seq, err := strconv.ParseInt(parts[2], 10, 32)
	if err != nil {
		return 0, fmt.Errorf("application id %q: sequence: %w", appID, err)
	}
	return seq, nil
}
