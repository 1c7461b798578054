// Command compose-check loads a Compose file the way `docker compose` does (compose-go, the library Compose itself
// uses): schema validation, interpolation, normalization and the consistency checks (unknown services, volumes,
// networks). It prints the normalized project as JSON, or exits 1 with the loader's message.
//
// Interpolation sees an empty environment (neither the caller's variables nor a .env file), so every
// `${VAR:-default}` takes its default: the output describes the stack a plain `docker compose up` runs, wherever it
// is checked. Every profile is enabled, so
// services behind a profile are checked too.
//
// Usage: compose-check FILE
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] == "" || os.Args[1][0] == '-' {
		fmt.Fprintln(os.Stderr, "usage: compose-check FILE")
		os.Exit(2)
	}
	out, err := check(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

// check loads file with an empty environment and every profile enabled, and returns the project as JSON.
func check(file string) ([]byte, error) {
	options, err := cli.NewProjectOptions([]string{file}, cli.WithProfiles([]string{"*"}))
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, explain(err)
	}
	return project.MarshalJSON()
}

// explain rewords compose-go's answer for a key the schema does not allow ("services.web.restart_policy false
// schema": the schema allows nothing there) so that it says what is wrong.
func explain(err error) error {
	if msg, found := strings.CutSuffix(err.Error(), " false schema"); found {
		return fmt.Errorf("%s is not allowed by the Compose specification (unknown key?)", msg)
	}
	return err
}
