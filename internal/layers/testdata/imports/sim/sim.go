package sim

import "github.com/goccy/go-yaml"

var _ = yaml.Marshal
