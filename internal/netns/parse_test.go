package netns

import (
	"errors"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

func TestParseLink(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"net:[4026531840]", 4026531840, true},
		{"net:[1]", 1, true},
		{"net:[0]", 0, false},
		{"mnt:[4026531840]", 0, false},
		{"net:[]", 0, false},
		{"net:[+5]", 0, false},
		{"net:[-5]", 0, false},
		{"net:[01]", 0, false},
		{"net:[12", 0, false},
		{"net:12]", 0, false},
		{"net:[18446744073709551616]", 0, false},
		{"net:[4026531840] ", 0, false},
		{"", 0, false},
	} {
		got, ok := ParseLink(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseLink(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseMountInfoLine(t *testing.T) {
	m, err := ParseMountInfoLine(`46 45 0:4 net:[4026532174] /run/netns/with\040space\134x rw shared:2 master:1 - nsfs nsfs rw`)
	if err != nil {
		t.Fatal(err)
	}
	want := Mount{Dev: Mkdev(0, 4), Root: "net:[4026532174]", Point: `/run/netns/with space\x`, FSType: "nsfs"}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	// No optional fields.
	m, err = ParseMountInfoLine("22 1 259:3 / / rw,relatime - ext4 /dev/nvme0n1p3 rw")
	if err != nil || m.FSType != "ext4" || m.Point != "/" || m.Dev != Mkdev(259, 3) {
		t.Errorf("got %+v, %v", m, err)
	}
	for _, bad := range []string{
		"",
		"46 45 0:4 net:[1] /x rw",               // no separator
		"46 45 0:4 net:[1] /x rw -",             // nothing after it
		"46 45 04 net:[1] /x rw - nsfs nsfs rw", // device without ':'
		"46 45 a:b net:[1] /x rw - nsfs nsfs rw",
		"46 45 0:99999999999 net:[1] /x rw - nsfs nsfs rw",
	} {
		if _, err := ParseMountInfoLine(bad); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("ParseMountInfoLine(%q) error = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`:    "/a b",
		`/a\011\012`: "/a\t\n",
		`/a\134`:     `/a\`,
		`/a\0`:       `/a\0`,
		`/a\08`:      `/a\08`,
		`/a\777`:     `/a\777`,
		`\`:          `\`,
		`plain`:      "plain",
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

const sampleMountInfo = `22 1 259:3 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p3 rw
45 26 0:25 /netns /run/netns rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1024k
46 45 0:4 net:[4026532174] /run/netns/blue rw shared:2 - nsfs nsfs rw
47 45 0:4 mnt:[4026532175] /run/netns/notnet rw shared:2 - nsfs nsfs rw
garbage line mentioning nsfs and net:[
48 22 0:4 net:[4026532300] /tmp/held\040here rw - nsfs nsfs rw
49 22 0:51 net:[4026532301] /tmp/fake rw - tmpfs nsfs rw
`

func TestParseMountInfo(t *testing.T) {
	mounts, bad := ParseMountInfo(sampleMountInfo)
	want := []BindMount{
		{Dev: Mkdev(0, 4), Inode: 4026532174, Path: "/run/netns/blue"},
		{Dev: Mkdev(0, 4), Inode: 4026532300, Path: "/tmp/held here"},
	}
	if len(mounts) != len(want) {
		t.Fatalf("got %+v, want %+v", mounts, want)
	}
	for i := range want {
		if mounts[i] != want[i] {
			t.Errorf("mount %d = %+v, want %+v", i, mounts[i], want[i])
		}
	}
	if len(bad) != 1 || !errors.Is(bad[0], errs.ErrMalformed) {
		t.Errorf("bad lines = %v, want one ErrMalformed", bad)
	}
	if m, bad := ParseMountInfo(""); len(m) != 0 || len(bad) != 0 {
		t.Errorf("empty input gave %v, %v", m, bad)
	}
}

func TestMkdev(t *testing.T) {
	for _, tc := range []struct {
		ma, mi uint32
		want   uint64
	}{
		{0, 4, 4},
		{8, 1, 0x801},
		{259, 3, 0x10303},
		{0x1000, 0x100, 0x1000_0010_0000},
	} {
		if got := Mkdev(tc.ma, tc.mi); got != tc.want {
			t.Errorf("Mkdev(%d, %d) = %#x, want %#x", tc.ma, tc.mi, got, tc.want)
		}
	}
}

func FuzzParseMountInfo(f *testing.F) {
	for _, line := range strings.Split(sampleMountInfo, "\n") {
		f.Add(line)
	}
	f.Add(`1 2 0:4 net:[5] /a\040\1 x - nsfs n r`)
	f.Fuzz(func(t *testing.T, data string) {
		mounts, _ := ParseMountInfo(data)
		for _, m := range mounts {
			if m.Inode == 0 {
				t.Errorf("mount with inode 0 from %q", data)
			}
		}
		if _, err := ParseMountInfoLine(data); err != nil && !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("error %v does not wrap ErrMalformed", err)
		}
		_ = unescapeMount(data)
	})
}

func FuzzParseLink(f *testing.F) {
	f.Add("net:[4026531840]")
	f.Add("net:[]")
	f.Add("mnt:[1]")
	f.Fuzz(func(t *testing.T, s string) {
		ino, ok := ParseLink(s)
		if ok && (ino == 0 || s != "net:["+itoa(ino)+"]") {
			t.Errorf("ParseLink(%q) = %d, true: does not print back", s, ino)
		}
	})
}
