package main

import (
	"fmt"
	"os"

	"github.com/kaudit/kaudit/report"
)

// readReport reads a kaudit.report/v1 JSON file (kaudit merge, kaudit
// history import); errors name the file.
func readReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	return r, nil
}
