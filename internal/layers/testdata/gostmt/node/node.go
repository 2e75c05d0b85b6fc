package node

import "sync"

type Node struct{ inbox chan int }

func (n *Node) run() {}

func work(int) {}

func (n *Node) Start() {
	go work(1)
	go func() { n.run() }()
	go n.run()
	var wg sync.WaitGroup
	wg.Wait()
	var mu sync.Mutex
	mu.Lock()
}
