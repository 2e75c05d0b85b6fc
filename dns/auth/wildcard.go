package auth

// wildcard returns the source of synthesis for a name that does not exist
// but whose closest encloser is ce: the node "*.<ce>", or nil (RFC 4592
// section 3.3.1). Only the closest encloser's wildcard counts, so an
// empty non-terminal between the query name and a wildcard higher up
// blocks it: the answer is NXDOMAIN (RFC 4592 section 2.2.2). A query for
// an empty non-terminal itself is NODATA, never a wildcard match, since
// the name exists.
func (z *Zone) wildcard(ce string) *node {
	if ce == "." {
		return z.nodes["*."]
	}
	return z.nodes["*."+ce]
}
