"""Run one test function of a MicroPython test module: ``micropython runner.py MODULE FUNCTION``.

Each test runs in a process of its own, in the working directory it is started in (the test's
temporary flash), so the simulated hardware starts from power-on every time.
"""

import sys


def main() -> int:
    module_name, function_name = sys.argv[1], sys.argv[2]
    module = __import__(module_name)
    import board_heap

    board_heap.limit()
    test = getattr(module, function_name)
    try:
        test()
    except Exception as exc:
        sys.print_exception(exc)
        if isinstance(exc, MemoryError):
            import micropython

            micropython.mem_info()
        print("FAIL", module_name, function_name)
        return 1
    print("PASS", module_name, function_name)
    return 0


sys.exit(main())
