package procattr

// systemUsers names uids from /etc/passwd for UserName.
var systemUsers = &userDB{path: defaultPasswd}

// UserName returns the user name of uid from /etc/passwd, read once, or
// the uid in decimal when the file has no entry for it or cannot be read.
func UserName(uid uint32) string { return systemUsers.name(uid) }
