package casbinfile_test

import _ "github.com/casbin/casbin/v2"
