package dom

type Node struct{ Children []*Node }
