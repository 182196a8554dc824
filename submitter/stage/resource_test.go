package stage

import (
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

func TestLocalResource(t *testing.T) {
	mtime := time.UnixMilli(1732230123456) // HDFS keeps ms; the proto must carry them exactly
	r := Resource{
		Path: "/user/ann/.orca-yarn/bin/0123/orca-yarn", Size: 20 << 20, ModTime: mtime,
		Type: yarnpb.LocalResourceTypeProto_FILE, Visibility: yarnpb.LocalResourceVisibilityProto_PRIVATE,
	}
	single := conf.NameService{URI: "hdfs://nn.example.com:8020",
		NameNodes: []conf.NameNode{{Addr: "nn.example.com:8020", Key: "fs.defaultFS"}}}
	ha := conf.NameService{URI: "hdfs://ns1", Logical: "ns1",
		NameNodes: []conf.NameNode{{ID: "nn1", Addr: "a:8020"}, {ID: "nn2", Addr: "b:8020"}}}
	ipv6 := conf.NameService{URI: "hdfs://[::1]:9000", NameNodes: []conf.NameNode{{Addr: "[::1]:9000"}}}
	noPort := conf.NameService{URI: "hdfs://nn", NameNodes: []conf.NameNode{{Addr: "nn"}}}

	for _, tc := range []struct {
		name string
		nn   conf.NameService
		host string
		port int32
	}{
		{"single NameNode", single, "nn.example.com", 8020},
		// An HA nameservice is a logical host; -1 is Java's "no port" (URL.fromURI), which the
		// NodeManager turns back into hdfs://ns1/... and resolves with its hdfs-site.xml.
		{"HA nameservice", ha, "ns1", -1},
		{"IPv6 NameNode", ipv6, "::1", 9000},
		{"address without port", noPort, "nn", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.LocalResource(tc.nn)
			want := &yarnpb.LocalResourceProto{
				Resource: &yarnpb.URLProto{Scheme: proto.String("hdfs"), Host: proto.String(tc.host),
					Port: proto.Int32(tc.port), File: proto.String(r.Path)},
				Size:       proto.Int64(20 << 20),
				Timestamp:  proto.Int64(1732230123456),
				Type:       yarnpb.LocalResourceTypeProto_FILE.Enum(),
				Visibility: yarnpb.LocalResourceVisibilityProto_PRIVATE.Enum(),
			}
			if !proto.Equal(got, want) {
				t.Fatalf("got  %v\nwant %v", prototext.Format(got), prototext.Format(want))
			}
		})
	}

	r.Type, r.Pattern = yarnpb.LocalResourceTypeProto_PATTERN, "(?:classes/|lib/).*"
	if got := r.LocalResource(single); got.GetPattern() != r.Pattern || got.GetType() != yarnpb.LocalResourceTypeProto_PATTERN {
		t.Fatalf("pattern resource: %v", prototext.Format(got))
	}
}

func TestLayout(t *testing.T) {
	if got := BinDir("ann"); got != "/user/ann/.orca-yarn/bin" {
		t.Errorf("BinDir = %q", got)
	}
	app, err := yarn.ParseApplicationID("application_1732230123456_0042")
	if err != nil {
		t.Fatal(err)
	}
	if got := StagingDir("ann", app); got != "/user/ann/.orca-yarn/staging/application_1732230123456_0042" {
		t.Errorf("StagingDir = %q", got)
	}
}
