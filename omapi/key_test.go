package omapi

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAlgorithm(t *testing.T) {
	cases := []struct {
		in   string
		want Algorithm
		size int
	}{
		{"hmac-md5", HMACMD5, 16},
		{"HMAC-MD5.SIG-ALG.REG.INT", HMACMD5, 16},
		{"hmac-md5.SIG-ALG.REG.INT.", HMACMD5, 16},
		{"hmac-sha1", HMACSHA1, 20},
		{"HMAC-SHA224", HMACSHA224, 28},
		{"hmac-sha256.sig-alg.reg.int.", HMACSHA256, 32},
		{"hmac-sha384", HMACSHA384, 48},
		{"hmac-sha512", HMACSHA512, 64},
	}
	for _, c := range cases {
		got, err := ParseAlgorithm(c.in)
		if err != nil || got != c.want || got.size() != c.size {
			t.Errorf("ParseAlgorithm(%q) = %v (size %d), %v; want %v (%d)", c.in, got, got.size(), err, c.want, c.size)
		}
		if !strings.HasSuffix(got.wireName(), ".SIG-ALG.REG.INT.") {
			t.Errorf("wire name %q", got.wireName())
		}
	}
	for _, bad := range []string{"", "md5", "hmac-sha3", "gss-tsig", ".SIG-ALG.REG.INT."} {
		if _, err := ParseAlgorithm(bad); err == nil {
			t.Errorf("ParseAlgorithm(%q) succeeded", bad)
		}
	}
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	secret := []byte("TOPSECRET-material")
	k, err := NewKey("omapi_key", "hmac-sha256", secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if s := fmt.Sprintf(verb, k); strings.Contains(s, "TOPSECRET") {
			t.Errorf("%s leaks the secret: %s", verb, s)
		}
	}
	secret[0] = 'X' // NewKey must have copied it
	if !k.Verify([]byte("a"), k.Sign(nil, []byte("a"))) || string(k.secret) != "TOPSECRET-material" {
		t.Errorf("key must own a copy of its secret")
	}
	if _, err := NewKey("", "hmac-md5", secret); err == nil {
		t.Errorf("empty name accepted")
	}
	if _, err := NewKey("k", "hmac-md5", nil); err == nil {
		t.Errorf("empty secret accepted")
	}
}
