package omapi

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
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
	type nested struct {
		Exported   Key
		unexported Key
		ptr        *Key
		list       []Key
		byName     map[string]*Key
	}
	values := map[string]any{
		"*Key":        k,
		"Key":         *k,
		"[]Key":       []Key{*k},
		"[]*Key":      []*Key{k},
		"map":         map[string]Key{"k": *k},
		"nested":      nested{Exported: *k, unexported: *k, ptr: k, list: []Key{*k}, byName: map[string]*Key{"k": k}},
		"*nested":     &nested{unexported: *k, ptr: k},
		"in an error": fmt.Errorf("wrapped: %w", errors.New(fmt.Sprint(*k))),
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%o", "%O", "%b", "%t", "%c", "%U", "%e", "%f", "%g", "%p", "%T", "% x", "%#x", "%08x", "%-20s"}
	for what, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			// The secret in whatever form this verb would print its bytes
			// (%T prints type names only).
			leaks := []string{"TOPSECRET", hex.EncodeToString(secret[:5]), "84 79 80 83 69"}
			if verb != "%T" {
				leaks = append(leaks, fmt.Sprintf(verb, secret[:5]), fmt.Sprintf(verb, string(secret[:5])))
			}
			for _, leak := range leaks {
				leak = strings.Trim(leak, "[]")
				if len(leak) >= 5 && strings.Contains(out, leak) {
					t.Errorf("%s of %s leaks the secret (%q): %s", verb, what, leak, out)
				}
			}
		}
	}
	if got := fmt.Sprintf("%x", *k); got != `key "omapi_key" (hmac-sha256)` {
		t.Errorf("%%x of Key = %s", got)
	}
	if got := fmt.Sprintf("%#v", k); got != `omapi.key "omapi_key" (hmac-sha256)` {
		t.Errorf("%%#v of *Key = %s", got)
	}
	if got := fmt.Sprintf("%d", k.secret); got != redacted {
		t.Errorf("%%d of the secret = %s", got)
	}
	if got := fmt.Sprintf("%v", (*Key)(nil)); got != "<nil>" {
		t.Errorf("nil key prints %s", got)
	}
	secret[0] = 'X' // NewKey must have copied it
	if !k.Verify([]byte("a"), k.Sign(nil, []byte("a"))) || string(k.secret()) != "TOPSECRET-material" {
		t.Errorf("key must own a copy of its secret")
	}
	if _, err := NewKey("", "hmac-md5", secret); err == nil {
		t.Errorf("empty name accepted")
	}
	if _, err := NewKey("k", "hmac-md5", nil); err == nil {
		t.Errorf("empty secret accepted")
	}
}

// The keyed HMACs a Key reuses give the same signatures as a fresh HMAC,
// also when clients of one key sign at the same time (run with -race).
func TestSignReusesHMACsSafely(t *testing.T) {
	for _, alg := range []string{"hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha512"} {
		k, err := NewKey("k", alg, []byte("a secret of some length"))
		if err != nil {
			t.Fatal(err)
		}
		fresh := &Key{name: k.name, alg: k.alg, secret: k.secret} // no pool: hmac.New each time
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					data := []byte(fmt.Sprintf("message %d of goroutine %d", i, g))
					if got, want := k.Sign(nil, data), fresh.Sign(nil, data); !bytes.Equal(got, want) {
						t.Errorf("%s: reused HMAC signs %x, a fresh one %x", alg, got, want)
						return
					}
					if !k.Verify(data, fresh.Sign(nil, data)) {
						t.Errorf("%s: a fresh signature does not verify", alg)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}
