package omapiconf

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// defaultPort is omshell's and the convention's port; dhcpd itself only
// listens when dhcpd.conf has omapi-port.
const defaultPort = 7911

// Settings is where and how to reach dhcpd.
type Settings struct {
	Address string
	Key     *omapi.Key // nil: unauthenticated
	// KeyFile is the file the key was read from ("" without a key).
	KeyFile string
	// Notes explain the choices, for the log (never the secret).
	Notes []string
	// Warnings are choices dhcpd will likely refuse: a key that is not the
	// one dhcpd.conf requires, a key file others can read.
	Warnings []string

	fingerprint [sha256.Size]byte // of the key's name, algorithm and secret
}

// same reports whether two settings reach the same dhcpd with the same key.
func (s *Settings) same(o *Settings) bool {
	return s != nil && o != nil && s.Address == o.Address &&
		subtle.ConstantTimeCompare(s.fingerprint[:], o.fingerprint[:]) == 1
}

// Resolve works out the OMAPI address and key the way an operator expects
// from the flags (--omapi.address, --omapi.key-file) and dhcpd.conf:
//   - address: the flag, else 127.0.0.1 and dhcpd.conf's omapi-port, else
//     7911 (dhcpd.conf read, but without omapi-port);
//   - key: the single key in keyFile, else the key dhcpd.conf names with
//     omapi-key (when the file declaring it is readable), else none.
//
// conf is nil when dhcpd.conf has never been read (confErr says why). Then
// nothing is guessed unless both flags are given: an address with no key
// would connect unauthenticated to a dhcpd that requires one, and stay so.
func Resolve(address, keyFile string, conf *dhcpdconf.Config, confErr error) (*Settings, error) {
	if conf == nil && (address == "" || keyFile == "") {
		return nil, fmt.Errorf("OMAPI address and key unknown until dhcpd.conf can be read (%v); --omapi.address and --omapi.key-file make the exporter independent of it", confErr)
	}
	s := &Settings{Address: address}
	if s.Address == "" {
		port := defaultPort
		if conf.OMAPIPort != 0 {
			port = conf.OMAPIPort
			s.Notes = append(s.Notes, fmt.Sprintf("OMAPI port %d from omapi-port in dhcpd.conf", port))
		} else {
			s.Warnings = append(s.Warnings, "dhcpd.conf has no omapi-port statement, so dhcpd has no OMAPI listener; trying the default port 7911")
		}
		s.Address = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}

	var decl *dhcpdconf.Key
	switch {
	case keyFile != "":
		kc, err := dhcpdconf.ParseFile(keyFile, dhcpdconf.Options{})
		if err != nil {
			return nil, fmt.Errorf("--omapi.key-file: %w", err)
		}
		if len(kc.Keys) != 1 {
			return nil, fmt.Errorf("--omapi.key-file %s: want exactly one key statement, found %d", keyFile, len(kc.Keys))
		}
		decl = kc.Keys[0]
		s.Notes = append(s.Notes, fmt.Sprintf("OMAPI key %q (%s) from %s", decl.Name, decl.Algorithm, keyFile))
		if conf != nil {
			s.Warnings = append(s.Warnings, keyMismatches(decl, conf)...)
		}
	case conf != nil && conf.OMAPIKey != "":
		decl = conf.Key(conf.OMAPIKey)
		if decl == nil {
			return nil, fmt.Errorf("dhcpd.conf names omapi-key %q but no readable file declares it; give --omapi.key-file", conf.OMAPIKey)
		}
		s.Notes = append(s.Notes, fmt.Sprintf("OMAPI key %q (%s) as named by omapi-key in dhcpd.conf, declared at %s", decl.Name, decl.Algorithm, decl.Pos))
	default:
		s.Notes = append(s.Notes, "no OMAPI key: connecting unauthenticated (dhcpd.conf has no omapi-key)")
		return s, nil
	}
	k, err := omapi.NewKey(decl.Name, decl.Algorithm, decl.Secret)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", decl.Pos, err)
	}
	s.Key, s.KeyFile = k, decl.Pos.File
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", k.Name(), k.Algorithm())
	h.Write(decl.Secret)
	h.Sum(s.fingerprint[:0])
	if w := permissionWarning(decl.Pos.File); w != "" {
		s.Warnings = append(s.Warnings, w)
	}
	return s, nil
}

// keyMismatches compares the key the exporter will use with the one
// dhcpd.conf requires (omapi-key): dhcpd accepts only that key, by name and
// algorithm, and then checks the secret (omapip/auth.c:131-190,
// server/dhcpd.c:118-122).
func keyMismatches(k *dhcpdconf.Key, conf *dhcpdconf.Config) []string {
	if conf.OMAPIKey == "" {
		return nil
	}
	if !dhcpdconf.SameKeyName(conf.OMAPIKey, k.Name) {
		return []string{fmt.Sprintf("dhcpd.conf requires omapi-key %q but the exporter's key is %q: dhcpd will reject it", conf.OMAPIKey, k.Name)}
	}
	want := conf.Key(conf.OMAPIKey)
	if want == nil {
		return nil // its declaration is not readable here: nothing to compare
	}
	var out []string
	wa, errA := omapi.ParseAlgorithm(want.Algorithm)
	ka, errB := omapi.ParseAlgorithm(k.Algorithm)
	if errA == nil && errB == nil && wa != ka {
		out = append(out, fmt.Sprintf("key %q: dhcpd.conf (%s) declares algorithm %s, the exporter's key file %s: dhcpd will reject the exporter's key", k.Name, want.Pos, want.Algorithm, k.Algorithm))
	}
	if subtle.ConstantTimeCompare(want.Secret, k.Secret) != 1 {
		out = append(out, fmt.Sprintf("key %q: the secret declared in dhcpd.conf (%s) differs from the exporter's: dhcpd will reject the exporter's key", k.Name, want.Pos))
	}
	return out
}

// permissionWarning warns about a key file that users other than its owner
// and group may read or write: the key can shut dhcpd down.
func permissionWarning(path string) string {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o006 == 0 {
		return ""
	}
	return fmt.Sprintf("OMAPI key file %s is %s: readable or writable by every user, and the key can stop dhcpd and change leases; chmod o-rwx it", path, fi.Mode().Perm())
}
