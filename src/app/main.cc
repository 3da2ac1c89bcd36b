#include "app/cli.h"

int main(int argc, char** argv) { return segd::RunCli(argc, argv); }
