process.stderr.write('dockernet: the CLI is not built yet\n');
process.exit(2);
