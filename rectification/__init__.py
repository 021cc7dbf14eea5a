"""整改销号: rectification items with a responsible township, a deadline and a status, closed one by one."""
