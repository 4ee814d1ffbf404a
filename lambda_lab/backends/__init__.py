"""Where the lab's AWS lives: a local endpoint (moto + our Lambda service) or a real account."""
