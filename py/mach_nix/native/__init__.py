"""What binary wheels need from outside themselves: ELF dynamic sections read from the
artifacts, the lock's ``needs`` field, and the explanation of failed builds."""
