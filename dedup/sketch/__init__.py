"""Pure spans to hashes: shingles and MinHash signatures (bit-identical to datasketch), band keys."""
