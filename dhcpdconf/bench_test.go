package dhcpdconf

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseConfig parses a generated dhcpd.conf of 5,000 subnets, each
// with a failover pool, options and a host: a large site's configuration.
func BenchmarkParseConfig(b *testing.B) {
	var conf strings.Builder
	conf.WriteString(peerDecl)
	conf.WriteString("key omapi_key { algorithm hmac-md5; secret \"2ecz5ILgSn7SVAV3hjqYGw==\"; };\nomapi-port 7911;\nomapi-key omapi_key;\n")
	for i := 0; i < 5000; i++ {
		a, c := i/250, i%250
		fmt.Fprintf(&conf, `subnet 10.%d.%d.0 netmask 255.255.255.0 {
  option routers 10.%d.%d.1;
  option domain-name-servers 10.0.0.53, 10.0.1.53;
  pool {
    failover peer "fo";
    deny dynamic bootp clients;
    range 10.%d.%d.10 10.%d.%d.209;
  }
}
host h%d { hardware ethernet 02:00:00:%02x:%02x:01; fixed-address 10.%d.%d.5; }
`, a, c, a, c, a, c, a, c, i, a, c, a, c)
	}
	src := []byte(conf.String())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg, err := Parse("bench.conf", src, Options{})
		if err != nil || len(cfg.SharedNetworks) != 5000 {
			b.Fatal(err)
		}
	}
}
