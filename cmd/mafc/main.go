// Command mafc is the Monge-Ampère Flow Compiler: it checks and formats
// .maf specs, generates their Go packages, and trains, samples and
// evaluates the models they describe.
//
// Usage:
//
//	mafc check [-v] FILE.maf...          check specs (exit 1 with file:line:col errors)
//	mafc fmt [-w] FILE.maf...            print (or rewrite) specs canonically
//	mafc gen [-o DIR] [-pkg NAME] [-check] [-dump=ir] FILE.maf
//	                                     generate the model package
//	mafc train SPEC.maf [flags]          train (flags override the spec's settings)
//	mafc sample SPEC.maf -ckpt FILE -n N sample from a trained model (.npy output)
//	mafc eval SPEC.maf -ckpt FILE        evaluate a trained model
//	mafc version
//
// Run "mafc COMMAND -h" for a command's flags. Exit status: 0 success,
// 1 errors, 2 usage, 130 interrupted (training saves a checkpoint first).
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
