// The transport protocols and their errors live in Plumbing; a TUF client's users see them
// through this module as before.
@_exported import Plumbing
