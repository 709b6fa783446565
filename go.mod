module github.com/cfkeys/cfkeys

go 1.26.8

require (
	github.com/clipperhouse/displaywidth v0.11.0
	golang.org/x/oauth2 v0.37.0
)

require github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
