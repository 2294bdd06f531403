package main

import (
	"os"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationOwnersIterator lists the population with owners found
// through the kernel's task_file iterator (the default where root and BTF
// allow) and through the /proc walk (SOCKSCOPE_NO_BPF=1): each listing
// must be the population, owners included (every state, shared sockets,
// setuid and deleted-exe owners), and the two must give every socket the
// same owners.
func TestIntegrationOwnersIterator(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	owners := map[string]map[uint64][]jsonOwner{}
	for _, env := range []string{"", "SOCKSCOPE_NO_BPF=1"} {
		cmd := ns.Command(bin, "--all", "--format", "json")
		cmd.Env = append(os.Environ(), env)
		stdout, stderr, code := run(t, cmd)
		if code != 0 {
			t.Fatalf("%s: exit status %d\nstderr:\n%s", env, code, stderr)
		}
		got, err := decodeListing(stdout)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		p.Check(t, got)
		byInode := map[uint64][]jsonOwner{}
		for _, s := range got {
			for _, o := range s.Processes {
				byInode[s.Inode] = append(byInode[s.Inode], ownerOf(o))
			}
		}
		owners[env] = byInode
	}
	iter, walk := owners[""], owners["SOCKSCOPE_NO_BPF=1"]
	if len(iter) == 0 {
		t.Fatal("no socket has an owner")
	}
	for ino, w := range walk {
		if !slices.Equal(iter[ino], w) {
			t.Errorf("socket inode %d: owners %v through the iterator, %v through /proc", ino, iter[ino], w)
		}
	}
	for ino, i := range iter {
		if _, ok := walk[ino]; !ok {
			t.Errorf("socket inode %d: owners %v through the iterator, none through /proc", ino, i)
		}
	}
}

// jsonOwner is what a listing says of one owner of a socket.
type jsonOwner struct {
	PID, PPID  int32
	FD         int32
	Name, Exe  string
	ExeDeleted bool
	UID        uint32
	User, Cmd  string
}

func ownerOf(p sockets.Process) jsonOwner {
	i := p.Info
	cmd := ""
	for _, a := range i.Cmdline {
		cmd += a + "\x00"
	}
	return jsonOwner{PID: i.PID, PPID: i.PPID, FD: p.FD, Name: i.Name, Exe: i.Exe, ExeDeleted: i.ExeDeleted, UID: i.UID, User: i.User, Cmd: cmd}
}
