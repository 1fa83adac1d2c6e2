"""What binary wheels need from outside themselves (issue 20): ELF dynamic sections read from the
artifacts, the lock's ``needs`` field, and the explanation of failed builds."""
