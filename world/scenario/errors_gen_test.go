package scenario

import (
	"fmt"
	"strings"
	"testing"
)

func TestGenErrors(t *testing.T) {
	for _, c := range genCases {
		_, err := Parse("w.yaml", []byte(c.src))
		fmt.Printf("\t{\n\t\tname: %q,\n\t\tsrc: `%s`,\n\t\twant: []string{\n", c.name, c.src)
		if err != nil {
			for _, l := range strings.Split(err.Error(), "\n") {
				fmt.Printf("\t\t\t%q,\n", l)
			}
		}
		fmt.Printf("\t\t},\n\t},\n")
	}
}
