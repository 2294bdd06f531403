// Package ssmode is sockscope's ss personality: invoked through a link
// named "ss", sockscope reads ss's options (iproute2 6.1) and prints ss's
// layout byte for byte, so that scripts written against ss keep working.
//
// The package has three parts. Parse reads the command line into Options
// (a pure function: ss's getopt_long rules, its socket tables, families
// and state masks). A Table lays the sockets out as ss's renderer does:
// columns whose widths come from the longest field seen so far (piped)
// or from the screen width spread over the columns (a terminal), with
// ss's output buffer, which renders every few megabytes with the widths
// measured until then, emulated so that large listings match too. Run
// ties them to a snapshot taken through internal/collect.
//
// -K closes the inet sockets chosen as ss does (SOCK_DESTROY through
// sockets.Destroyer) and lists those it closed. What sockscope cannot
// show (SELinux contexts, socket tables it has no data source for) is
// refused in one line; see docs/ss.md.
package ssmode
