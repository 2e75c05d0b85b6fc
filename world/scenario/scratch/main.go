package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

func dump(n ast.Node, ind int) {
	pad := strings.Repeat("  ", ind)
	if n == nil {
		fmt.Println(pad, "<nil>")
		return
	}
	tk := n.GetToken()
	pos := "notk"
	if tk != nil {
		pos = fmt.Sprintf("%d:%d %q type=%v", tk.Position.Line, tk.Position.Column, tk.Value, tk.Type)
	}
	fmt.Printf("%s%T %s\n", pad, n, pos)
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			dump(mv, ind+1)
		}
	case *ast.MappingValueNode:
		dump(v.Key, ind+1)
		dump(v.Value, ind+1)
	case *ast.SequenceNode:
		for _, e := range v.Values {
			dump(e, ind+1)
		}
	case *ast.AnchorNode:
		dump(v.Name, ind+1)
		dump(v.Value, ind+1)
	case *ast.AliasNode:
		dump(v.Value, ind+1)
	case *ast.TagNode:
		dump(v.Value, ind+1)
	case *ast.MappingKeyNode:
		dump(v.Value, ind+1)
	case *ast.LiteralNode:
		dump(v.Value, ind+1)
	case *ast.StringNode:
		fmt.Printf("%s  value=%q\n", pad, v.Value)
	}
}

func main() {
	data, _ := os.ReadFile(os.Args[1])
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		fmt.Printf("ERR %T %v\n", err, err)
		var ye yaml.Error
		if e, ok := err.(yaml.Error); ok {
			ye = e
			fmt.Println("msg:", ye.GetMessage(), ye.GetToken().Position)
		}
		return
	}
	for _, d := range f.Docs {
		fmt.Println("DOC")
		dump(d.Body, 1)
	}
}
