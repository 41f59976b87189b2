/* Exports no hook: loading it is a config error. */
int unused_value = 1;
