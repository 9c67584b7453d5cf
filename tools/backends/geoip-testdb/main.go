// Command geoip-testdb writes a small MaxMind DB in the GeoIP2-City layout, for running the Collector's geoip
// processor without a MaxMind licence:
//
//	geoip-testdb OUT.mmdb CIDR=ISO:City [CIDR=ISO:City …]
package main

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: geoip-testdb OUT.mmdb CIDR=ISO:City …")
		os.Exit(2)
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            "GeoIP2-City",
		Description:             map[string]string{"en": "tokentrail test database"},
		RecordSize:              24,
		IncludeReservedNetworks: true,
	})
	if err != nil {
		fail(err)
	}
	for _, arg := range os.Args[2:] {
		cidr, place, ok := strings.Cut(arg, "=")
		iso, city, _ := strings.Cut(place, ":")
		if !ok || len(iso) != 2 {
			fail(fmt.Errorf("not CIDR=ISO:City: %q", arg))
		}
		_, network, err := net.ParseCIDR(cidr)
		if err != nil {
			fail(err)
		}
		record := mmdbtype.Map{
			"country": mmdbtype.Map{"iso_code": mmdbtype.String(iso), "names": mmdbtype.Map{"en": mmdbtype.String(iso)}},
			"city":    mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(city)}},
		}
		if err := tree.Insert(network, record); err != nil {
			fail(err)
		}
	}
	out, err := os.Create(os.Args[1])
	if err != nil {
		fail(err)
	}
	if _, err := tree.WriteTo(out); err != nil {
		fail(err)
	}
	if err := out.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "geoip-testdb:", err)
	os.Exit(1)
}
