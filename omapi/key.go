package omapi

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
)

// Algorithm is an HMAC algorithm dhcpd accepts for OMAPI keys (HMAC-SHA* since
// 4.3.2; includes/omapip/isclib.h:116-121).
type Algorithm int

const (
	HMACMD5 Algorithm = iota + 1
	HMACSHA1
	HMACSHA224
	HMACSHA256
	HMACSHA384
	HMACSHA512
)

var algorithms = []struct {
	alg  Algorithm
	name string
	new  func() hash.Hash
}{
	{HMACMD5, "hmac-md5", md5.New},
	{HMACSHA1, "hmac-sha1", sha1.New},
	{HMACSHA224, "hmac-sha224", sha256.New224},
	{HMACSHA256, "hmac-sha256", sha256.New},
	{HMACSHA384, "hmac-sha384", sha512.New384},
	{HMACSHA512, "hmac-sha512", sha512.New},
}

// sigAlgSuffix is what dhcpd appends to an algorithm name without dots when it
// stores a key (common/parse.c:3012-3041); the authenticator OPEN must name
// the algorithm in that stored form (compared case-insensitively).
const sigAlgSuffix = ".SIG-ALG.REG.INT."

// ParseAlgorithm accepts the spellings dhcpd.conf allows: "hmac-md5",
// "HMAC-MD5.SIG-ALG.REG.INT" and "hmac-md5.SIG-ALG.REG.INT.", in any case.
func ParseAlgorithm(s string) (Algorithm, error) {
	name := strings.TrimSuffix(s, ".")
	if suffix := strings.TrimSuffix(sigAlgSuffix, "."); len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
		name = name[:len(name)-len(suffix)]
	}
	for _, a := range algorithms {
		if strings.EqualFold(name, a.name) {
			return a.alg, nil
		}
	}
	return 0, fmt.Errorf("omapi: unsupported key algorithm %q (want one of hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512)", s)
}

func (a Algorithm) String() string {
	for _, x := range algorithms {
		if x.alg == a {
			return x.name
		}
	}
	return fmt.Sprintf("algorithm(%d)", int(a))
}

// wireName is the algorithm as the authenticator OPEN names it.
func (a Algorithm) wireName() string { return a.String() + sigAlgSuffix }

func (a Algorithm) newHash() func() hash.Hash {
	for _, x := range algorithms {
		if x.alg == a {
			return x.new
		}
	}
	return nil
}

// size is the signature length: the full digest (dst_key_sigsize).
func (a Algorithm) size() int { return a.newHash()().Size() }

// Key is an OMAPI key: a name, an algorithm and a secret. fmt never shows
// the secret: Key and *Key format as `key "name" (algorithm)` with every
// verb, and the secret is kept where fmt cannot reach it (see secret), so
// even a Key nested in another value, which fmt prints field by field
// without calling Format, shows at most an address.
type Key struct {
	name   string
	alg    Algorithm
	secret secret
	// macs are HMACs already keyed with the secret, reset and reused:
	// keying a new HMAC for every message was about 13 % of the exporter's
	// CPU in a scrape of 8,000 pools. A pool, because clients of one key
	// sign concurrently. nil (a Key not built by NewKey): a new HMAC each
	// time.
	macs *sync.Pool
}

// secret returns the key material. It is a closure because fmt prints by
// reflection whatever data it reaches, unexported fields included and, for
// a verb that does not fit the type, even behind a pointer; what a func
// captured it cannot reach. Format redacts the secret for every verb where
// fmt can call it.
type secret func() []byte

const redacted = "[secret redacted]"

func (secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// NewKey builds a key from a dhcpd.conf key statement's parts; secret is the
// base64-decoded secret.
func NewKey(name, algorithm string, secretBytes []byte) (*Key, error) {
	alg, err := ParseAlgorithm(algorithm)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("omapi: key has no name")
	}
	if len(secretBytes) == 0 {
		return nil, fmt.Errorf("omapi: key %q has an empty secret", name)
	}
	own := append([]byte(nil), secretBytes...)
	k := &Key{name: name, alg: alg, secret: func() []byte { return own }}
	k.macs = &sync.Pool{New: func() any { return hmac.New(alg.newHash(), own) }}
	return k, nil
}

// Name is the key's name.
func (k *Key) Name() string { return k.name }

// Algorithm is the key's HMAC algorithm.
func (k *Key) Algorithm() Algorithm { return k.alg }

// String describes the key without its secret.
func (k Key) String() string { return fmt.Sprintf("key %q (%s)", k.name, k.alg) }

// GoString is String with the package name; it never shows the secret.
func (k Key) GoString() string { return "omapi." + k.String() }

// Format prints String for every verb (%#v: GoString), so that no verb
// (%x, %d, %+v, ...) falls back to printing the fields.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, k.GoString())
		return
	}
	_, _ = io.WriteString(f, k.String())
}

// WireAlgorithm is the algorithm as an authenticator OPEN names it,
// e.g. "hmac-md5.SIG-ALG.REG.INT.".
func (k *Key) WireAlgorithm() string { return k.alg.wireName() }

// Sign appends to dst the HMAC of data.
func (k *Key) Sign(dst, data []byte) []byte { return k.sign(dst, data) }

// Verify reports whether sig is the HMAC of data.
func (k *Key) Verify(data, sig []byte) bool { return k.verify(data, sig) }

// sign appends to dst the HMAC of data.
func (k *Key) sign(dst, data []byte) []byte {
	if k.macs == nil {
		mac := hmac.New(k.alg.newHash(), k.secret())
		mac.Write(data)
		return mac.Sum(dst)
	}
	mac := k.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(data)
	dst = mac.Sum(dst)
	k.macs.Put(mac)
	return dst
}

// verify reports whether sig is the HMAC of data.
func (k *Key) verify(data, sig []byte) bool {
	return hmac.Equal(k.sign(nil, data), sig)
}
