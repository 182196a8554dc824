package stage

import (
	"net"
	"strconv"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// Resource is a published HDFS file as a NodeManager will localize it.
type Resource struct {
	// Path is the absolute HDFS path, without scheme or authority.
	Path string
	// Size and ModTime are what HDFS reports for Path. The NodeManager refuses the resource
	// when ModTime (in ms) differs from the file's ("changed on src filesystem").
	Size    int64
	ModTime time.Time
	Type    yarnpb.LocalResourceTypeProto
	// Visibility: PRIVATE lets the NodeManagers cache the file for all of the user's apps
	// (keyed by URL and timestamp); APPLICATION deletes it when the app ends.
	Visibility yarnpb.LocalResourceVisibilityProto
	// Pattern selects what to unpack of a PATTERN resource (a jar); empty otherwise.
	Pattern string
	// Reused reports that the content was already on HDFS and nothing was uploaded.
	Reused bool
}

// LocalResource describes r to YARN. The URL names the HDFS of fs.defaultFS the way Java's
// URL.fromURI would: an HA nameservice as host with port -1 (the NodeManager resolves it with
// its own hdfs-site.xml), a single NameNode as its host and RPC port. Leaving the port unset
// would not do: the proto default 0 becomes hdfs://host:0/. nn is what
// conf.Config.NameNodes returned; an address without a port gets -1 (Hadoop's default port).
func (r Resource) LocalResource(nn conf.NameService) *yarnpb.LocalResourceProto {
	host, port := urlAuthority(nn)
	lr := &yarnpb.LocalResourceProto{
		Resource: &yarnpb.URLProto{
			Scheme: proto.String("hdfs"), Host: proto.String(host), Port: proto.Int32(port),
			File: proto.String(r.Path),
		},
		Size:       proto.Int64(r.Size),
		Timestamp:  proto.Int64(r.ModTime.UnixMilli()),
		Type:       r.Type.Enum(),
		Visibility: r.Visibility.Enum(),
	}
	if r.Pattern != "" {
		lr.Pattern = proto.String(r.Pattern)
	}
	return lr
}

func urlAuthority(nn conf.NameService) (host string, port int32) {
	if nn.HA() || len(nn.NameNodes) == 0 {
		return nn.Logical, -1
	}
	addr := nn.NameNodes[0].Addr
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, -1
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil || n <= 0 {
		return h, -1
	}
	return h, int32(n)
}
