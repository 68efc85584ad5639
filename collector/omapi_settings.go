package collector

import (
	"fmt"
	"net"
	"strconv"

	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// DefaultOMAPIPort is omshell's and the convention's port; dhcpd itself only
// listens when dhcpd.conf has omapi-port.
const DefaultOMAPIPort = 7911

// OMAPISettings is where and how to reach dhcpd.
type OMAPISettings struct {
	Address string
	Key     *omapi.Key // nil: unauthenticated
	// Notes explain the choices, for the start-up log (never the secret).
	Notes []string
}

// ResolveOMAPI works out the OMAPI address and key the way an operator
// expects from the flags and dhcpd.conf:
//   - address: the flag, else 127.0.0.1 and dhcpd.conf's omapi-port, else 7911;
//   - key: the single key in keyFile, else the key dhcpd.conf names with
//     omapi-key (when the file declaring it is readable), else none.
//
// conf may be nil when dhcpd.conf is unreadable (confErr says why).
func ResolveOMAPI(address, keyFile string, conf *leasefile.Config, confErr error) (*OMAPISettings, error) {
	s := &OMAPISettings{Address: address}
	if s.Address == "" {
		port := DefaultOMAPIPort
		switch {
		case conf != nil && conf.OMAPIPort != 0:
			port = conf.OMAPIPort
			s.Notes = append(s.Notes, fmt.Sprintf("OMAPI port %d from omapi-port in dhcpd.conf", port))
		case conf != nil:
			s.Notes = append(s.Notes, "dhcpd.conf has no omapi-port statement, so dhcpd has no OMAPI listener; trying the default port 7911")
		default:
			s.Notes = append(s.Notes, fmt.Sprintf("dhcpd.conf unreadable (%v); using OMAPI port 7911", confErr))
		}
		s.Address = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}

	switch {
	case keyFile != "":
		kc, err := leasefile.ParseConfigFile(keyFile, leasefile.ConfigOptions{})
		if err != nil {
			return nil, fmt.Errorf("--omapi.key-file: %w", err)
		}
		if len(kc.Keys) != 1 {
			return nil, fmt.Errorf("--omapi.key-file %s: want exactly one key statement, found %d", keyFile, len(kc.Keys))
		}
		k, err := omapiKey(kc.Keys[0])
		if err != nil {
			return nil, err
		}
		s.Key = k
		s.Notes = append(s.Notes, fmt.Sprintf("OMAPI %s from %s", k, keyFile))
		if conf != nil && conf.OMAPIKey != "" && !leasefile.SameKeyName(conf.OMAPIKey, k.Name()) {
			s.Notes = append(s.Notes, fmt.Sprintf("warning: dhcpd.conf requires omapi-key %q, dhcpd will reject %s", conf.OMAPIKey, k))
		}
	case conf != nil && conf.OMAPIKey != "":
		decl := conf.Key(conf.OMAPIKey)
		if decl == nil {
			return nil, fmt.Errorf("dhcpd.conf names omapi-key %q but no readable file declares it; give --omapi.key-file", conf.OMAPIKey)
		}
		k, err := omapiKey(decl)
		if err != nil {
			return nil, err
		}
		s.Key = k
		s.Notes = append(s.Notes, fmt.Sprintf("OMAPI %s as named by omapi-key in dhcpd.conf (declared at %s)", k, decl.Pos))
	default:
		s.Notes = append(s.Notes, "no OMAPI key: connecting unauthenticated")
	}
	return s, nil
}

func omapiKey(k *leasefile.Key) (*omapi.Key, error) {
	key, err := omapi.NewKey(k.Name, k.Algorithm, k.Secret)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.Pos, err)
	}
	return key, nil
}
