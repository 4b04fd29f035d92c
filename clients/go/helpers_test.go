package flows

import (
	"crypto/elliptic"
	"crypto/rand"
	"io"
)

func ellipticP256() elliptic.Curve { return elliptic.P256() }

func randReader() io.Reader { return rand.Reader }
