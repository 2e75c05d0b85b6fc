package main

import (
	"fmt"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/hopsnet/hops/live/bridge"
	"github.com/hopsnet/hops/world"
)

func main() {
	start := time.Now()
	go bridge.Run(nil)
	world.Build()
	fmt.Println(time.Since(start), yaml.Marshal)
}
