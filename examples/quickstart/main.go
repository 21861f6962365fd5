// Command quickstart is replaced by the examples work in progress.
package main

func main() {}
