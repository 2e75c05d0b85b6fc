package cookie_test

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/http/cookie"
	"github.com/hopsnet/hops/sim"
)

func Example() {
	jar := cookie.NewJar(cookie.Config{}) // virtual time 0 is 2000-01-01T00:00:00Z
	sec := func(s int) sim.Time { return sim.Time(s) * sim.Time(time.Second) }
	login := cookie.URL{Scheme: "http", Host: "www.example.com", Path: "/account/login"}

	// The server's response to a login carries three Set-Cookie headers.
	jar.SetCookies(sec(0), login, []string{
		"session=abc123; HttpOnly",                           // host-only, path /account
		"theme=dark; Domain=example.com; Path=/; Max-Age=60", // every host of example.com, for a minute
		"tracker=1; Domain=com",                              // a public suffix: rejected
	})

	page := cookie.URL{Scheme: "http", Host: "www.example.com", Path: "/account/settings"}
	api := cookie.URL{Scheme: "http", Host: "api.example.com", Path: "/items"}
	fmt.Printf("%q\n", jar.Header(sec(59), page))
	fmt.Printf("%q\n", jar.Header(sec(59), api))
	fmt.Printf("%q\n", jar.Header(sec(61), page)) // theme has expired

	for _, c := range jar.Entries() {
		fmt.Println(c.Domain, c.Path, c.Name, "host-only:", c.HostOnly, "last used:", c.LastAccess)
	}

	c, err := cookie.Parse("id=7; Expires=Wed, 09 Jun 2021 10:18:14 GMT", 0)
	fmt.Println(c.Name, c.Value, c.Expires, c.Expiry, err)
	// Output:
	// "session=abc123; theme=dark"
	// "theme=dark"
	// "session=abc123"
	// www.example.com /account session host-only: true last used: 61.000000000s
	// id 7 2021-06-09 10:18:14 +0000 UTC 676549094.000000000s <nil>
}
