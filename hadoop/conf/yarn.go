package conf

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// RMService names one of the ResourceManager's listening services.
type RMService int

const (
	// RMClient is ApplicationClientProtocol (submit, report, kill): yarn.resourcemanager.address, 8032.
	RMClient RMService = iota + 1
	// RMScheduler is ApplicationMasterProtocol (register, allocate, finish):
	// yarn.resourcemanager.scheduler.address, 8030.
	RMScheduler
	// RMAdmin is the admin service, which also answers HAServiceProtocol.getServiceStatus:
	// yarn.resourcemanager.admin.address, 8033.
	RMAdmin
	// RMWebapp is the web UI and REST API: yarn.resourcemanager.webapp.address (8088), or
	// yarn.resourcemanager.webapp.https.address (8090) when yarn.http.policy is HTTPS_ONLY.
	RMWebapp
)

func (s RMService) String() string {
	switch s {
	case RMClient:
		return "client"
	case RMScheduler:
		return "scheduler"
	case RMAdmin:
		return "admin"
	case RMWebapp:
		return "webapp"
	}
	return "RMService(" + strconv.Itoa(int(s)) + ")"
}

// RMEndpoint is one ResourceManager to try for a service.
type RMEndpoint struct {
	// ID is the rm-id from yarn.resourcemanager.ha.rm-ids ("rm1"), or "" without HA.
	ID string
	// Addr is host:port, ready for net.Dial.
	Addr string
	// Key is the configuration key Addr came from, for error messages
	// ("yarn.resourcemanager.address.rm1", or "yarn.resourcemanager.hostname.rm1" when the
	// default port was appended).
	Key string
}

// RMAddresses returns the ResourceManagers to try for service, in the order Java's
// ConfiguredRMFailoverProxyProvider tries them (the order of yarn.resourcemanager.ha.rm-ids).
// The caller connects to the first and moves to the next on connection-level failures
// (refused, reset, timeout: a standby RM does not listen on the client and scheduler ports),
// wrapping around, within its own retry budget. Without HA there is one endpoint.
//
// With yarn.resourcemanager.ha.enabled=true each rm-id's address is <key>.<rm-id> or, when
// that is unset, yarn.resourcemanager.hostname.<rm-id> plus the default port
// (HAUtil.getConfValueForRMInstance / checkAndSetRMRPCAddress); the unsuffixed keys are
// ignored then, as in Java.
//
// Without HA, note that an unconfigured RM is 0.0.0.0:8032 (yarn-default.xml), as the Java
// client would use, which reaches only an RM on this host.
func (c *Config) RMAddresses(service RMService) ([]RMEndpoint, error) {
	key, port, err := c.rmKey(service)
	if err != nil {
		return nil, err
	}
	ha, err := c.Bool("yarn.resourcemanager.ha.enabled", false)
	if err != nil {
		return nil, err
	}
	if !ha {
		v, _ := c.Get(key)
		addr, err := c.hostPort(key, v, port)
		if err != nil {
			return nil, err
		}
		return []RMEndpoint{{Addr: addr, Key: key}}, nil
	}
	ids := c.Strings("yarn.resourcemanager.ha.rm-ids")
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: yarn.resourcemanager.ha.enabled is true but "+
			"yarn.resourcemanager.ha.rm-ids is empty: list the RM ids (e.g. rm1,rm2) in yarn-site.xml",
			ErrInvalid)
	}
	seen := map[string]bool{}
	out := make([]RMEndpoint, 0, len(ids))
	for _, id := range ids {
		if seen[id] {
			return nil, c.invalid("yarn.resourcemanager.ha.rm-ids", strings.Join(ids, ","),
				"rm-id %q listed twice", id)
		}
		seen[id] = true
		ep, err := c.rmInstance(key, id, port)
		if err != nil {
			return nil, err
		}
		out = append(out, ep)
	}
	return out, nil
}

// rmInstance resolves one rm-id's address for the service key.
func (c *Config) rmInstance(key, id string, port int) (RMEndpoint, error) {
	k := key + "." + id
	if v, ok := c.Get(k); ok {
		addr, err := c.hostPort(k, v, port)
		return RMEndpoint{ID: id, Addr: addr, Key: k}, err
	}
	hk := "yarn.resourcemanager.hostname." + id
	if h, ok := c.Get(hk); ok {
		// Java appends ":<default port>" to the host and parses the result, so a hostname
		// that already carries a port is an error there too.
		if host := strings.TrimSpace(h); strings.Contains(strings.TrimPrefix(host, "["), ":") &&
			!strings.HasSuffix(host, "]") {
			return RMEndpoint{}, c.invalid(hk, h, "want a host name without port (put host:port in %s)", k)
		}
		addr, err := c.hostPort(hk, h, port)
		return RMEndpoint{ID: id, Addr: addr, Key: hk}, err
	}
	return RMEndpoint{}, fmt.Errorf("%w: ResourceManager HA is on but rm-id %q has no address: "+
		"set %s or %s in yarn-site.xml", ErrInvalid, id, hk, k)
}

// rmKey maps a service to its configuration key and default port.
func (c *Config) rmKey(service RMService) (string, int, error) {
	switch service {
	case RMClient:
		return "yarn.resourcemanager.address", defaultRMPort, nil
	case RMScheduler:
		return "yarn.resourcemanager.scheduler.address", defaultRMSchedulerPort, nil
	case RMAdmin:
		return "yarn.resourcemanager.admin.address", defaultRMAdminPort, nil
	case RMWebapp:
		scheme, err := c.RMWebScheme()
		if err != nil {
			return "", 0, err
		}
		if scheme == "https" {
			return "yarn.resourcemanager.webapp.https.address", defaultRMWebappHTTPSPort, nil
		}
		return "yarn.resourcemanager.webapp.address", defaultRMWebappPort, nil
	}
	return "", 0, fmt.Errorf("conf: unknown RM service %v", service)
}

// RMWebScheme returns "https" when yarn.http.policy is HTTPS_ONLY and "http" for HTTP_ONLY
// and HTTP_AND_HTTPS (YarnConfiguration.useHttps; any case). Java silently treats an unknown
// policy as HTTP; we report it as ErrInvalid.
func (c *Config) RMWebScheme() (string, error) {
	raw := c.GetDefault("yarn.http.policy", "HTTP_ONLY")
	switch p := strings.TrimSpace(raw); {
	case strings.EqualFold(p, "HTTPS_ONLY"):
		return "https", nil
	case strings.EqualFold(p, "HTTP_ONLY"), strings.EqualFold(p, "HTTP_AND_HTTPS"):
		return "http", nil
	}
	return "", c.invalid("yarn.http.policy", raw, "want HTTP_ONLY, HTTPS_ONLY or HTTP_AND_HTTPS")
}

// hostPort parses an address as Hadoop's NetUtils.createSocketAddr(target, defaultPort) does:
// "host", "host:port", "[v6]:port" or a URI "scheme://host:port"; defPort < 0 means the port
// is required. The result is host:port for net.Dial.
func (c *Config) hostPort(key, raw string, defPort int) (string, error) {
	target := strings.TrimSpace(raw)
	hasScheme := strings.Contains(target, "://")
	s := target
	if !hasScheme {
		s = "dummyscheme://" + target
	}
	u, err := url.Parse(s)
	bad := func() (string, error) {
		return "", c.invalid(key, raw, "not a valid host:port address")
	}
	if err != nil || u.Hostname() == "" || u.User != nil || (!hasScheme && (u.Path != "" || u.RawQuery != "" || u.Fragment != "")) {
		return bad()
	}
	port := defPort
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n > 65535 {
			return bad()
		}
		port = n
	}
	if port < 0 {
		return "", c.invalid(key, raw, "no port in address")
	}
	return net.JoinHostPort(u.Hostname(), strconv.Itoa(port)), nil
}
