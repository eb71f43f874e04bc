/** The text `tend --help` prints after the command list: examples and exit codes. */
export const HELP_AFTER = `
Examples:
  tend plan -i inventory.yml                     what would change on every host
  tend plan -i inventory.yml -l worker1 --html plan.html
                                                 the same, as a page to review in a browser
  tend plan -i inventory.yml -o plan.json        save the plan for review
  tend apply plan.json -i inventory.yml          apply exactly the saved plan
  tend apply -i inventory.yml -l workers --yes   plan and apply without asking
  tend apply -i inventory.yml -K                 ask the sudo (become) password once first
  tend graph -i inventory.yml -l worker1 --format svg > worker1.svg
                                                 one host's resource graph
  tend plan --local                              this machine, without an inventory
  tend <command> --help                          the options of one command

Exit codes:
  0  success (with plan --detailed-exitcode: no changes)
  1  error: bad input, a host that cannot be reached or planned, a failed apply
  2  changes pending (only with plan --detailed-exitcode)
`;
