package rbac

// Validate checks every invariant of the model and reports every violation,
// joined with errors.Join, each naming the entity and its file:line.
func (p *Policy) Validate() error {
	return nil // replaced by the validation work in progress
}
