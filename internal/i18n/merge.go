package i18n

// merge adds the messages of part to the catalog cat. Parts split a
// catalog into files by package; a key in two parts is a bug and panics
// at start-up.
func merge(cat, part map[string]string) {
	for k, v := range part {
		if _, dup := cat[k]; dup {
			panic("i18n: duplicate key " + k)
		}
		cat[k] = v
	}
}
