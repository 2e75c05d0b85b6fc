package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hopsnet/hops/world/scenario"
)

func main() {
	s, err := scenario.ParseFile(os.Args[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	fmt.Println(string(b))
}
