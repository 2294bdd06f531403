package containers_test

import (
	"fmt"

	"github.com/sockscope/sockscope/internal/containers"
)

func ExampleIdentify() {
	c, ok := containers.Identify("0::/kubepods.slice/kubepods-besteffort.slice/" +
		"kubepods-besteffort-pod8ca306fa_3c03_47fa_97dd_19979c345572.slice/" +
		"crio-d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607.scope\n")
	fmt.Println(ok, c.Runtime, c.ShortID(), c.Pod.UID)
	// Output: true cri-o d6d725b909f3 8ca306fa-3c03-47fa-97dd-19979c345572
}

func ExampleResolver_Process() {
	r := containers.NewResolver("testdata/root")
	if c, ok := r.Process(100); ok {
		fmt.Println(c.Runtime, c.Label())
	}
	// Output: podman g-test1
}
